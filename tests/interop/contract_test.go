package interop

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/codec"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/workflows"
)

// documentedTypes are the Go types of every JSON object docs/contract.md
// describes, by the name it gives them.
var documentedTypes = map[string]reflect.Type{
	"RedemptionRequest": reflect.TypeFor[workflows.RedemptionRequest](),
	"RedemptionStatus":  reflect.TypeFor[workflows.RedemptionStatus](),
	"ConfirmRequest":    reflect.TypeFor[workflows.ConfirmRequest](),
	"ResolveRequest":    reflect.TypeFor[workflows.ResolveRequest](),
	"ReconcileRequest":  reflect.TypeFor[workflows.ReconcileRequest](),
	"FreezeRequest":     reflect.TypeFor[workflows.FreezeRequest](),
	"FreezeResult":      reflect.TypeFor[workflows.FreezeResult](),
	"SettleRequest":     reflect.TypeFor[workflows.SettleRequest](),
	"SettleResult":      reflect.TypeFor[workflows.SettleResult](),
	"FreezeInput":       reflect.TypeFor[pointsnexus.FreezeInput](),
	"RedeemInput":       reflect.TypeFor[pointsnexus.RedeemInput](),
	"ConfirmInput":      reflect.TypeFor[pointsnexus.ConfirmInput](),
	"RedemptionRef":     reflect.TypeFor[pointsnexus.RedemptionRef](),
	"SettleInput":       reflect.TypeFor[pointsnexus.SettleInput](),
}

// TestContractMatchesTheCode compares every table of docs/contract.md with
// the Go code that the workers run: field names and their presence, the
// workflows' and operations' types, and the lists of names, states,
// decisions and error types. A field, state or error type added to the code
// and not to the document fails here, and so does the reverse.
func TestContractMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc := readContract(t)

	t.Run("types", func(t *testing.T) {
		for name, typ := range documentedTypes {
			documented := doc.fields(t, name)
			var names []string
			for _, f := range documented {
				names = append(names, f.name)
			}
			inCode := jsonFields(typ)
			require.ElementsMatch(t, keys(inCode), names, "fields of %s", name)
			for _, f := range documented {
				require.Contains(t, []string{"required", "optional", "always"}, f.presence, "%s.%s", name, f.name)
				// An optional field is left out when empty; one the code
				// always writes must not be documented as optional.
				if f.presence == "optional" {
					require.True(t, inCode[f.name], "%s.%s is documented optional but always written", name, f.name)
				}
				if !inCode[f.name] {
					require.NotEqual(t, "optional", f.presence, "%s.%s", name, f.name)
				}
			}
		}
	})

	t.Run("workflows", func(t *testing.T) {
		funcs := map[string]any{
			workflows.RedemptionWorkflowName:    workflows.RedemptionWorkflow,
			workflows.FreezePointsWorkflowName:  workflows.FreezePointsWorkflow,
			workflows.ReleasePointsWorkflowName: workflows.ReleasePointsWorkflow,
			workflows.ConsumePointsWorkflowName: workflows.ConsumePointsWorkflow,
			workflows.ReconcileWorkflowName:     workflows.ReconcileHeldPointsWorkflow,
		}
		rows := doc["Workflows"]
		require.ElementsMatch(t, keys(funcs), doc.column(t, "Workflows", 0))
		for _, r := range rows {
			fn := reflect.TypeOf(funcs[unquote(r[0])])
			require.Equal(t, fn.In(1).Name(), unquote(r[1]), "input of %s", r[0])
			require.Equal(t, fn.Out(0).Name(), unquote(r[2]), "result of %s", r[0])
		}
	})

	t.Run("updates and query", func(t *testing.T) {
		require.ElementsMatch(t, []string{workflows.UpdateConfirm, workflows.UpdateCancel, workflows.QueryStatus, workflows.UpdateAwaitFreeze,
			workflows.UpdateRetry, workflows.UpdateResolve},
			doc.column(t, "Updates and the query of a redemption", 0))
	})

	t.Run("search attributes", func(t *testing.T) {
		var names, types []string
		for _, a := range search.Attributes {
			names, types = append(names, a.Name), append(types, a.TypeName())
		}
		require.Equal(t, names, doc.column(t, "Search attributes", 0))
		require.Equal(t, types, doc.column(t, "Search attributes", 1))
	})

	t.Run("nexus operations", func(t *testing.T) {
		refs := map[string]interface {
			Name() string
			InputType() reflect.Type
			OutputType() reflect.Type
		}{
			pointsnexus.OpFreeze: pointsnexus.FreezeOperation, pointsnexus.OpRedeem: pointsnexus.RedeemOperation,
			pointsnexus.OpConfirm: pointsnexus.ConfirmOperation, pointsnexus.OpCancel: pointsnexus.CancelOperation,
			pointsnexus.OpStatus: pointsnexus.StatusOperation, pointsnexus.OpRelease: pointsnexus.ReleaseOperation,
			pointsnexus.OpConsume: pointsnexus.ConsumeOperation,
		}
		const heading = "The Nexus service points"
		require.ElementsMatch(t, keys(refs), doc.column(t, heading, 0))
		service := pointsnexus.NewService()
		require.Equal(t, pointsnexus.ServiceName, strings.TrimPrefix(heading, "The Nexus service "))
		for _, r := range doc[heading] {
			ref := refs[unquote(r[0])]
			require.Equal(t, ref.Name(), unquote(r[0]))
			require.Equal(t, ref.InputType().Name(), unquote(r[2]), "input of %s", r[0])
			require.Equal(t, ref.OutputType().Name(), unquote(r[3]), "result of %s", r[0])
			op := service.Operation(ref.Name())
			require.NotNil(t, op, "the service serves %s", r[0])
			require.Equal(t, ref.InputType(), op.(interface{ InputType() reflect.Type }).InputType())
			require.Equal(t, ref.OutputType(), op.(interface{ OutputType() reflect.Type }).OutputType())
		}
	})

	t.Run("states", func(t *testing.T) {
		states := []workflows.State{workflows.StateFreezing, workflows.StateFrozen, workflows.StateConsuming,
			workflows.StateConsumed, workflows.StateReleasing, workflows.StateReleased, workflows.StateFailed,
			workflows.StateAttention, workflows.StateResolved}
		var want []string
		for _, s := range states {
			want = append(want, string(s))
			require.Equal(t, s == workflows.StateConsumed || s == workflows.StateReleased || s == workflows.StateFailed || s == workflows.StateResolved,
				s.Terminal(), "%s", s)
		}
		require.Equal(t, want, doc.column(t, "States", 0), "in the order of the saga")
	})

	t.Run("decisions", func(t *testing.T) {
		require.ElementsMatch(t, []string{workflows.DecisionConfirm, workflows.DecisionCancel, workflows.DecisionHoldTimeout,
			workflows.DecisionWorkflowCancelled, workflows.DecisionConsumeRejected}, doc.column(t, "Decisions", 0))
	})

	t.Run("error types", func(t *testing.T) {
		require.ElementsMatch(t, []string{
			activities.ErrInvalidInput, activities.ErrCRMRejected, activities.ErrOutcomeUnknown,
			workflows.ErrFreezeAbandoned, workflows.ErrReleaseFailed, workflows.ErrNotFrozen, workflows.ErrNotInAttention, workflows.ErrResolved,
			pointsnexus.ErrAlreadyStarted, pointsnexus.ErrNothingFrozen,
			activities.ErrCRMTransient, activities.ErrCRMUnauthorized, activities.ErrCRMRefusing, activities.ErrBodyNotAllowed,
			activities.ErrCRMRefused, workflows.ErrContinueAsNewSuggested, codec.ErrPlaintextType,
		}, doc.column(t, "Error types", 0))
	})
}

// jsonFields are the JSON names of typ's fields, embedded structs flattened
// as encoding/json does, each with whether it may be left out.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			for name, omit := range jsonFields(f.Type) {
				out[name] = omit
			}
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out[name] = slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
