package bench

import (
	"context"
	"net/http"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// noopCRM answers every call at once with success: the same workflow and
// activity code runs, only the CRM's work is gone. It measures the engine's
// ceiling for the saga's shape on this machine.
type noopCRM struct{}

func (noopCRM) Freeze(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{Status: http.StatusOK}, nil
}

func (noopCRM) Release(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{Status: http.StatusOK}, nil
}

func (noopCRM) Consume(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{Status: http.StatusOK}, nil
}

// replaceCRM is a workerapp.Options.WrapCRM that swaps the CRM for noopCRM.
func replaceCRM(activities.CRM) activities.CRM { return noopCRM{} }
