package metrics

import (
	"maps"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/client"
)

// Labels the SDK puts on the metrics of a Nexus task, with the names the
// request carries (go.temporal.io/sdk internal/common/metrics).
const (
	labelNexusService   = "nexus_service"
	labelNexusOperation = "nexus_operation"
)

// otherNexusName stands for every service or operation name the worker does
// not serve.
const otherNexusName = "other"

// nexusNames bounds the Nexus labels of the SDK's metrics. The SDK labels a
// Nexus task's metrics with the service and operation names of the request
// before it looks them up, so a caller naming a new service or operation in
// every request would add series without end. Names the worker serves keep
// their value; any other reads "other".
type nexusNames struct {
	client.MetricsHandler
	services []*nexus.Service
}

// boundNexusLabels wraps h so that the nexus_service and nexus_operation
// labels hold only the names of services, and their operations, or "other".
func boundNexusLabels(h client.MetricsHandler, services ...*nexus.Service) client.MetricsHandler {
	return nexusNames{MetricsHandler: h, services: services}
}

// WithTags is the wrapped handler's, the Nexus labels bounded.
func (n nexusNames) WithTags(tags map[string]string) client.MetricsHandler {
	service, hasService := tags[labelNexusService]
	operation, hasOperation := tags[labelNexusOperation]
	if hasService || hasOperation {
		served := n.serves(service)
		bounded := maps.Clone(tags)
		if hasService && served == nil {
			bounded[labelNexusService] = otherNexusName
		}
		if hasOperation && (served == nil || served.Operation(operation) == nil) {
			bounded[labelNexusOperation] = otherNexusName
		}
		tags = bounded
	}
	return nexusNames{MetricsHandler: n.MetricsHandler.WithTags(tags), services: n.services}
}

// serves is the service named name, or nil.
func (n nexusNames) serves(name string) *nexus.Service {
	for _, s := range n.services {
		if s.Name == name {
			return s
		}
	}
	return nil
}
