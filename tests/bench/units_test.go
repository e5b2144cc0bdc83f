package bench

// Units of the custom metrics that targets refer to.
const (
	unitWorkflows = "workflows/s"
	unitFreezes   = "freezes/s"
	unitCPU       = "cpu-ms/workflow"
)
