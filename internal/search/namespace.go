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

// MissingError says which attributes a namespace lacks and how to add them
// where it lives: the temporal CLI's commands for a self-hosted cluster,
// tcld or the Cloud UI for Temporal Cloud.
type MissingError struct {
	Namespace string
	Missing   []Attribute
	// Server is where the namespace lives, as the worker's connection says.
	Server Server
	// CreateErr, when set, is why creating them through the operator API
	// (KYLIN_CREATE_SEARCH_ATTRIBUTES) failed.
	CreateErr error
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "namespace %s lacks the search attributes %s", e.Namespace, names(e.Missing))
	if e.CreateErr != nil {
		fmt.Fprintf(&b, ", and creating them through the operator API failed (%v)", e.CreateErr)
	}
	local := "create them with " + joinCommands(e.Missing, Attribute.CreateCommand, e.Namespace)
	switch {
	case e.Server.Cloud() && e.Server.CloudAddress():
		fmt.Fprintf(&b, ": on Temporal Cloud, add them in the Cloud UI (the namespace's Search Attributes) or with %s",
			TcldCommand(e.Namespace, e.Missing))
	case e.Server.Cloud():
		fmt.Fprintf(&b, ": on Temporal Cloud (an API key is set), add them in the Cloud UI (the namespace's Search Attributes) or with %s; "+
			"on a self-hosted cluster, %s", TcldCommand(e.Namespace, e.Missing), local)
	default:
		fmt.Fprintf(&b, ": %s; or let the worker create them with --create-search-attributes (KYLIN_CREATE_SEARCH_ATTRIBUTES=true)", local)
	}
	b.WriteString("; or set KYLIN_SEARCH_ATTRIBUTES=false")
	return b.String()
}

// names lists attributes as "KylinState (Keyword), KylinPoints (Double)".
func names(as []Attribute) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name + " (" + a.TypeName() + ")"
	}
	return strings.Join(out, ", ")
}

// joinCommands joins one command per attribute with " && ".
func joinCommands(as []Attribute, command func(Attribute, string) string, namespace string) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = command(a, namespace)
	}
	return strings.Join(out, " && ")
}

// TcldCommand is the tcld command that adds as to a Temporal Cloud namespace.
func TcldCommand(namespace string, as []Attribute) string {
	var b strings.Builder
	b.WriteString("tcld namespace search-attributes add --namespace " + namespace)
	for _, a := range as {
		b.WriteString(" --search-attribute " + a.Name + "=" + a.TypeName())
	}
	return b.String()
}

// Register adds the Attributes that namespace lacks: the dev stack and the
// tests do it on their own servers; on a cluster, run CreateCommand.
func Register(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string) error {
	missing, err := missingIn(ctx, op, namespace)
	if err != nil || len(missing) == 0 {
		return err
	}
	return add(ctx, op, namespace, missing)
}

// add adds attributes to namespace through the operator API.
func add(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string, attributes []Attribute) error {
	req := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: map[string]enumspb.IndexedValueType{}}
	for _, a := range attributes {
		req.SearchAttributes[a.Name] = a.Type
	}
	if _, err := op.AddSearchAttributes(ctx, req); err != nil {
		return fmt.Errorf("adding search attributes to namespace %s: %w", namespace, err)
	}
	return nil
}
