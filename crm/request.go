package crm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Limits enforced before any call to the CRM.
const (
	MaxDescriptionChars = 255
	// MaxMemberIDChars, MaxShopCodeChars and MaxCodeFieldChars are the
	// lengths the CRM accepts for memberId, shopCode and the code fields
	// (memberType, channelType, pointBizType): not published, our
	// assumption, which the sandbox enforces too.
	MaxMemberIDChars  = 128
	MaxShopCodeChars  = 255
	MaxCodeFieldChars = 128
	MaxTokenLength    = 64
	// MaxPoints keeps amounts exact as integer hundredths and as float64.
	MaxPoints = 1e12
)

// Request is one freeze, release or consume of a member's points.
// Empty MemberType, ChannelType and PointBizType take the client's defaults.
type Request struct {
	MemberID    string
	Description string
	Points      float64
	ShopCode    string
	// FreezeToken names the freeze that a release or consume settles
	// (an assumption of ours: docs/crm.md, Request).
	FreezeToken  string
	MemberType   string
	ChannelType  string
	PointBizType string
}

// Body is the W9 request body on the wire (docs/crm.md, Request), shared by all three
// operations; release and consume add freezeToken.
type Body struct {
	MemberID       string  `json:"memberId"`
	Description    string  `json:"description"`
	ChannelType    string  `json:"channelType"`
	MemberType     string  `json:"memberType"`
	ShopCode       string  `json:"shopCode,omitempty"`
	PointBizType   string  `json:"pointBizType"`
	IdempotentMode int     `json:"idempotentMode"`
	Point          float64 `json:"point"`
	FreezeToken    string  `json:"freezeToken,omitempty"`
}

// Validate checks the fields the caller supplies. It names the first field at fault.
func (r Request) Validate() error {
	if err := ValidateMemberID(r.MemberID); err != nil {
		return err
	}
	if err := ValidateDescription(r.Description); err != nil {
		return err
	}
	if err := ValidatePoints(r.Points); err != nil {
		return err
	}
	if err := ValidateShopCode(r.ShopCode); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{
		{"memberType", r.MemberType}, {"channelType", r.ChannelType}, {"pointBizType", r.PointBizType},
	} {
		if f.value != "" {
			if err := validateCode(f.name, f.value, MaxCodeFieldChars); err != nil {
				return err
			}
		}
	}
	return nil
}

// ValidateMemberID checks a member ID: present, at most MaxMemberIDChars
// characters, no control characters.
func ValidateMemberID(id string) error {
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("memberId is required")
	}
	return validateCode("memberId", id, MaxMemberIDChars)
}

// ValidateShopCode checks an optional shop code: at most MaxShopCodeChars
// characters, no control characters.
func ValidateShopCode(code string) error {
	if code == "" {
		return nil
	}
	return validateCode("shopCode", code, MaxShopCodeChars)
}

// validateCode checks an identifier-like field: valid UTF-8, no control or
// invisible formatting characters (which a terminal or a log would obey),
// at most max characters.
func validateCode(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if safetext.HasControl(v) {
		return fmt.Errorf("%s must not contain control characters", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Errorf("%s is %d characters long, at most %d allowed", field, n, max)
	}
	return nil
}

// ValidateDescription checks the W9 remark: present, at most 255 characters.
func ValidateDescription(d string) error {
	if strings.TrimSpace(d) == "" {
		return fmt.Errorf("description is required")
	}
	if !utf8.ValidString(d) {
		return fmt.Errorf("description is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(d); n > MaxDescriptionChars {
		return fmt.Errorf("description is %d characters long, at most %d allowed", n, MaxDescriptionChars)
	}
	return nil
}

// ValidatePoints checks an amount: finite, > 0, at most MaxPoints and 2 decimal places.
func ValidatePoints(p float64) error {
	switch {
	case math.IsNaN(p) || math.IsInf(p, 0):
		return fmt.Errorf("point must be a finite number")
	case p <= 0:
		return fmt.Errorf("point must be greater than 0, got %v", p)
	case p > MaxPoints:
		return fmt.Errorf("point must be at most %.0f, got %v", MaxPoints, p)
	}
	s := FormatPoints(p)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
		return fmt.Errorf("point may have at most 2 decimal places, got %s", s)
	}
	return nil
}

// ValidateToken checks an X-Business-Token: present, printable ASCII, at most 64 long.
func ValidateToken(token string) error {
	if token == "" {
		return fmt.Errorf("X-Business-Token is required")
	}
	if len(token) > MaxTokenLength {
		return fmt.Errorf("X-Business-Token is %d bytes long, at most %d allowed", len(token), MaxTokenLength)
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("X-Business-Token must be printable ASCII without spaces (byte %d is %q)", i, c)
		}
	}
	return nil
}

// ValidateServiceName checks the gateway serviceName, sent as the
// X-Caller-Service header: printable ASCII without spaces, at most 128 long.
// An empty name is allowed (a gateway without authentication).
func ValidateServiceName(name string) error {
	if len(name) > MaxCodeFieldChars {
		return fmt.Errorf("serviceName is %d bytes long, at most %d allowed", len(name), MaxCodeFieldChars)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("serviceName must be printable ASCII without spaces, to be a header value (byte %d is %q)", i, c)
		}
	}
	return nil
}

// FormatPoints prints an amount as people and the CRM's messages write it:
// no exponent, no trailing zeros (5, 5.5, 0.25).
func FormatPoints(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// Hundredths converts a validated amount to exact integer hundredths.
func Hundredths(p float64) int64 {
	return int64(math.Round(p * 100))
}

// PointsFromHundredths converts integer hundredths back to points.
func PointsFromHundredths(h int64) float64 {
	return float64(h) / 100
}
