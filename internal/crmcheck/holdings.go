package crmcheck

import "github.com/kylinpoints/kylin-points/crm"

// holding is one freeze the check made, or may have made: an upper bound
// on what it may still hold.
type holding struct {
	freeze string
	// mayHold is at most how many hundredths the freeze still holds.
	mayHold int64
	// unsure is set when an outcome under the freeze is unknown: the CRM
	// may hold less than mayHold.
	unsure bool
}

// holdings are the check's freezes in the order it made them.
type holdings struct {
	order []*holding
}

func (hs *holdings) get(freeze string) *holding {
	for _, h := range hs.order {
		if h.freeze == freeze {
			return h
		}
	}
	h := &holding{freeze: freeze}
	hs.order = append(hs.order, h)
	return h
}

// froze records that freeze may hold points more; sure when the CRM proved it.
func (hs *holdings) froze(freeze string, points float64, sure bool) {
	h := hs.get(freeze)
	h.mayHold += crm.Hundredths(points)
	h.unsure = h.unsure || !sure
}

// settled records that points of freeze were released or consumed.
func (hs *holdings) settled(freeze string, points float64) {
	h := hs.get(freeze)
	h.mayHold = max(0, h.mayHold-crm.Hundredths(points))
}

// doubt records that an outcome under freeze is unknown.
func (hs *holdings) doubt(freeze string) { hs.get(freeze).unsure = true }

// Held is points the check could not settle: they stay frozen under
// FreezeToken (Certain), or may.
type Held struct {
	FreezeToken string  `json:"freezeToken"`
	Points      float64 `json:"points"`
	// Certain is true when the CRM said the points are frozen and nothing
	// since can have settled them; false when they may be.
	Certain bool `json:"certain"`
}

// left is what may still be frozen; an empty list, never nil.
func (hs *holdings) left() []Held {
	out := []Held{}
	for _, h := range hs.order {
		if h.mayHold > 0 {
			out = append(out, Held{FreezeToken: h.freeze, Points: crm.PointsFromHundredths(h.mayHold), Certain: !h.unsure})
		}
	}
	return out
}
