// Package nexusendpoint creates the Nexus endpoint through which other
// namespaces reach the "points" service: the dev stack does it on its own
// server, the tests on theirs. On a shared cluster an operator does the same
// with `temporal operator nexus endpoint create` (docs/integration.md).
package nexusendpoint

import (
	"context"
	"errors"
	"fmt"

	nexuspb "go.temporal.io/api/nexus/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"
)

// Description is the endpoint's description, shown by the Web UI and the CLI.
const Description = "kylin-points: the Nexus service `points` (freeze, redeem, confirm, cancel, status, release, consume). " +
	"Inputs, results and error types: docs/contract.md."

// Target is where an endpoint sends its requests: the worker's namespace and
// task queue.
type Target struct {
	Namespace string
	TaskQueue string
}

// Ensure makes endpoint name route to target. An endpoint of that name that
// already routes there is left as it is (the dev stack's data survives
// restarts); one that routes elsewhere is an error, never silently moved,
// since other teams' workflows depend on where it leads.
func Ensure(ctx context.Context, op operatorservice.OperatorServiceClient, name string, target Target) error {
	existing, err := find(ctx, op, name)
	if err != nil || existing != nil {
		return errors.Join(err, sameTarget(existing, target))
	}
	desc, err := converter.GetDefaultDataConverter().ToPayload(Description)
	if err != nil {
		return err
	}
	_, err = op.CreateNexusEndpoint(ctx, &operatorservice.CreateNexusEndpointRequest{Spec: &nexuspb.EndpointSpec{
		Name:        name,
		Description: desc,
		Target: &nexuspb.EndpointTarget{Variant: &nexuspb.EndpointTarget_Worker_{Worker: &nexuspb.EndpointTarget_Worker{
			Namespace: target.Namespace,
			TaskQueue: target.TaskQueue,
		}}},
	}})
	if _, exists := errors.AsType[*serviceerror.AlreadyExists](err); exists {
		// Created meanwhile by another process: check where it leads.
		existing, err = find(ctx, op, name)
		if err == nil && existing == nil {
			err = fmt.Errorf("nexus endpoint %s exists but cannot be read", name)
		}
		return errors.Join(err, sameTarget(existing, target))
	}
	if err != nil {
		return fmt.Errorf("creating nexus endpoint %s: %w", name, err)
	}
	return nil
}

// sameTarget checks that endpoint e (nil: none) routes to target.
func sameTarget(e *nexuspb.Endpoint, target Target) error {
	if e == nil {
		return nil
	}
	got := e.GetSpec().GetTarget().GetWorker()
	if got.GetNamespace() == target.Namespace && got.GetTaskQueue() == target.TaskQueue {
		return nil
	}
	return fmt.Errorf("nexus endpoint %s exists and routes to namespace %q, task queue %q, not to namespace %q, task queue %q",
		e.GetSpec().GetName(), got.GetNamespace(), got.GetTaskQueue(), target.Namespace, target.TaskQueue)
}

// find returns the endpoint called name, or nil when there is none.
func find(ctx context.Context, op operatorservice.OperatorServiceClient, name string) (*nexuspb.Endpoint, error) {
	resp, err := op.ListNexusEndpoints(ctx, &operatorservice.ListNexusEndpointsRequest{Name: name, PageSize: 1})
	if err != nil {
		return nil, fmt.Errorf("looking up nexus endpoint %s: %w", name, err)
	}
	for _, e := range resp.GetEndpoints() {
		if e.GetSpec().GetName() == name {
			return e, nil
		}
	}
	return nil, nil
}
