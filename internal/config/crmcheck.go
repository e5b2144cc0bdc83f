package config

import (
	"flag"
	"math"
	"strconv"

	"github.com/kylinpoints/kylin-points/crm"
)

// CRMCheckPointsCeiling is the most KYLIN_CRM_CHECK_MAX_POINTS may allow:
// the check is for tiny amounts, whatever the configuration says.
const CRMCheckPointsCeiling = 100

// CRMCheckMaxPoints caps `starter crm-check --points`. It has no flag on
// purpose: the person running the check cannot raise it on the command line.
var CRMCheckMaxPoints = Setting{Env: "KYLIN_CRM_CHECK_MAX_POINTS", Default: "1", Arg: "N",
	Help: "the most starter crm-check --points may be, at most 100; environment only"}

// CRMSettings are the worker's CRM settings, which `starter crm-check`
// takes too, in --help order.
var CRMSettings = []Setting{
	CRMBaseURL, CRMServiceName, CRMServiceSecret, CRMServiceSecretFile, CRMTimeout,
	CRMMemberType, CRMChannelType, CRMFreezePath, CRMReleasePath, CRMConsumePath, CRMCodesFile, CRMAllowInterceptableHTTP,
}

// CRMCheck is what `starter crm-check` needs besides its own flags: the
// worker's CRM settings, read and checked by the worker's own code, and the
// cap on its amount.
type CRMCheck struct {
	CRM CRM
	// MaxPoints is the most --points may be.
	MaxPoints float64
}

// BindCRMCheck registers the CRM settings on fs, with defaults from env.
// After fs.Parse, call the returned function to read and check them.
func BindCRMCheck(fs *flag.FlagSet, env Env) func() (CRMCheck, Problems) {
	b := newBinder(fs, env)
	b.bind(CRMSettings...)
	b.bind(CRMCheckMaxPoints)
	return func() (CRMCheck, Problems) {
		var p Problems
		c := CRMCheck{CRM: b.crm(&p), MaxPoints: b.checkMaxPoints(&p)}
		return c, p
	}
}

func (b *binder) checkMaxPoints(p *Problems) float64 {
	v := b.value(CRMCheckMaxPoints)
	n, err := strconv.ParseFloat(v, 64)
	switch {
	case err != nil || math.IsNaN(n):
		p.add(CRMCheckMaxPoints, "%q is not a number", v)
	case n <= 0 || n > CRMCheckPointsCeiling:
		p.add(CRMCheckMaxPoints, "%q must be more than 0 and at most %d", v, CRMCheckPointsCeiling)
	case crm.ValidatePoints(n) != nil:
		p.add(CRMCheckMaxPoints, "%q: %v", v, crm.ValidatePoints(n))
	default:
		return n
	}
	return 0
}
