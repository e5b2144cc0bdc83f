package search

import (
	"context"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
)

// missingIn returns the Attributes that namespace lacks, or has with another type.
func missingIn(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string) ([]Attribute, error) {
	resp, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("listing the search attributes of namespace %s: %w", namespace, err)
	}
	var missing []Attribute
	for _, a := range Attributes {
		if t, ok := resp.GetCustomAttributes()[a.Name]; !ok || t != a.Type {
			missing = append(missing, a)
		}
	}
	return missing, nil
}

// MissingError says which attributes a namespace lacks and how to add them.
type MissingError struct {
	Namespace string
	Missing   []Attribute
}

func (e *MissingError) Error() string {
	cmds := make([]string, len(e.Missing))
	names := make([]string, len(e.Missing))
	for i, a := range e.Missing {
		names[i], cmds[i] = a.Name+" ("+a.TypeName()+")", a.CreateCommand(e.Namespace)
	}
	return fmt.Sprintf("namespace %s lacks the search attributes %s: create them with %s; or set KYLIN_SEARCH_ATTRIBUTES=false",
		e.Namespace, strings.Join(names, ", "), strings.Join(cmds, " && "))
}

// Check returns a *MissingError when namespace lacks any of the Attributes.
func Check(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string) error {
	missing, err := missingIn(ctx, op, namespace)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return &MissingError{Namespace: namespace, Missing: missing}
	}
	return nil
}

// Register adds the Attributes that namespace lacks: the dev stack and the
// tests do it on their own servers; on a cluster, run CreateCommand.
func Register(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string) error {
	missing, err := missingIn(ctx, op, namespace)
	if err != nil || len(missing) == 0 {
		return err
	}
	req := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: map[string]enumspb.IndexedValueType{}}
	for _, a := range missing {
		req.SearchAttributes[a.Name] = a.Type
	}
	if _, err := op.AddSearchAttributes(ctx, req); err != nil {
		return fmt.Errorf("adding search attributes to namespace %s: %w", namespace, err)
	}
	return nil
}
