package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/org/appbuild/spec"
)

// Severities in Trivy's order, lowest first.
var Severities = []string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// DefaultSeverities fail the build when the spec names none.
var DefaultSeverities = []string{"HIGH", "CRITICAL"}

// Policy decides which findings fail the build.
type Policy struct {
	// Severities that fail the build (Trivy's --severity).
	Severities []string
	// IgnoreUnfixed skips findings without a fixed version (Trivy's
	// --ignore-unfixed: any status but "fixed").
	IgnoreUnfixed bool
}

// PolicyOf reads the spec's scan policy, with the defaults.
func PolicyOf(s *spec.Scan) Policy {
	p := Policy{Severities: DefaultSeverities}
	if s == nil {
		return p
	}
	if len(s.Severity) > 0 {
		p.Severities = s.Severity
	}
	p.IgnoreUnfixed = s.IgnoreUnfixed
	return p
}

func (p Policy) String() string {
	s := "severity " + strings.Join(bySeverity(p.Severities), ", ")
	if p.IgnoreUnfixed {
		s += ", ignoring unfixed"
	}
	return s
}

// report is the part of Trivy's JSON report the policy reads.
type report struct {
	Results []struct {
		Target          string          `json:"Target"`
		Class           string          `json:"Class"`
		Type            string          `json:"Type"`
		Vulnerabilities []Vulnerability `json:"Vulnerabilities"`
	} `json:"Results"`
}

// Vulnerability is one of Trivy's detected vulnerabilities.
type Vulnerability struct {
	VulnerabilityID  string   `json:"VulnerabilityID"`
	VendorIDs        []string `json:"VendorIDs"`
	PkgName          string   `json:"PkgName"`
	InstalledVersion string   `json:"InstalledVersion"`
	FixedVersion     string   `json:"FixedVersion"`
	Status           string   `json:"Status"`
	Severity         string   `json:"Severity"`
	Title            string   `json:"Title"`
	PrimaryURL       string   `json:"PrimaryURL"`
}

// Merge joins Trivy JSON reports into one: the first report's fields, in
// Trivy's order, with every report's results. The artifact is renamed name
// (also in the targets Trivy named after the scanned path, such as
// "/scan/rootfs (debian 13.8)"). The created time is the build's
// SOURCE_DATE_EPOCH, or absent, and the random report id is dropped, so the
// same findings give the same bytes.
func Merge(name string, epoch *time.Time, reports ...[]byte) ([]byte, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("no reports to merge")
	}
	var base *object
	var results []json.RawMessage
	for i, data := range reports {
		doc, err := parseObject(data)
		if err != nil {
			return nil, fmt.Errorf("report %d is not Trivy JSON: %w", i+1, err)
		}
		var artifact string
		if raw, ok := doc.get("ArtifactName"); ok {
			_ = json.Unmarshal(raw, &artifact)
		}
		if raw, ok := doc.get("Results"); ok && string(raw) != "null" {
			var rs []*object
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, fmt.Errorf("report %d: Results: %w", i+1, err)
			}
			for _, r := range list {
				o, err := parseObject(r)
				if err != nil {
					return nil, fmt.Errorf("report %d: result: %w", i+1, err)
				}
				rs = append(rs, o)
			}
			for _, r := range rs {
				var target string
				if raw, ok := r.get("Target"); ok && json.Unmarshal(raw, &target) == nil && artifact != "" {
					if rest, ok := strings.CutPrefix(target, artifact+" ("); ok {
						r.set("Target", name+" ("+rest)
					}
				}
				b, err := r.MarshalJSON()
				if err != nil {
					return nil, err
				}
				results = append(results, b)
			}
		}
		if base == nil {
			base = doc
		}
	}
	base.del("ReportID")
	base.del("CreatedAt")
	if epoch != nil {
		base.set("CreatedAt", epoch.UTC().Format(time.RFC3339))
	}
	base.set("ArtifactName", name)
	if results == nil {
		results = []json.RawMessage{}
	}
	base.set("Results", results)
	flat, err := base.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, flat, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// object is a JSON object that keeps its keys' order.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseObject(data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object")
	}
	o := &object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := o.vals[key]; !dup {
			o.keys = append(o.keys, key)
		}
		o.vals[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *object) get(key string) (json.RawMessage, bool) {
	v, ok := o.vals[key]
	return v, ok
}

// set replaces a value in place, or adds the key at the end.
func (o *object) set(key string, v any) {
	raw, _ := json.Marshal(v)
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = raw
}

func (o *object) del(key string) {
	if _, ok := o.vals[key]; !ok {
		return
	}
	delete(o.vals, key)
	o.keys = slices.DeleteFunc(o.keys, func(k string) bool { return k == key })
}

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(o.vals[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Finding is one vulnerable package version, with every target (binary,
// lock file) it was found in.
type Finding struct {
	Vulnerability
	Targets []string
}

// ID names the finding the way advisories are searched for: the CVE and
// the vendors' ids (GHSA-...).
func (f Finding) ID() string {
	ids := []string{f.VulnerabilityID}
	for _, v := range f.VendorIDs {
		if !slices.Contains(ids, v) {
			ids = append(ids, v)
		}
	}
	if len(ids) == 1 {
		return ids[0]
	}
	return ids[0] + " (" + strings.Join(ids[1:], ", ") + ")"
}

// Verdict is the policy applied to a report.
type Verdict struct {
	Policy Policy
	// Violations are the findings that fail the build, most severe first.
	Violations []Finding
	// Counts are all the report's findings by severity.
	Counts map[string]int
}

// Failed reports whether the build must fail.
func (v *Verdict) Failed() bool { return len(v.Violations) > 0 }

// Evaluate applies the policy to a Trivy JSON report.
func Evaluate(data []byte, p Policy) (*Verdict, error) {
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("the scan report is not Trivy JSON: %w", err)
	}
	all := map[string]*Finding{}
	var keys []string
	for _, res := range r.Results {
		for _, vuln := range res.Vulnerabilities {
			if vuln.Severity == "" {
				vuln.Severity = "UNKNOWN"
			}
			key := vuln.VulnerabilityID + "\x00" + vuln.PkgName + "\x00" + vuln.InstalledVersion
			f, ok := all[key]
			if !ok {
				f = &Finding{Vulnerability: vuln}
				all[key] = f
				keys = append(keys, key)
			}
			if !slices.Contains(f.Targets, res.Target) {
				f.Targets = append(f.Targets, res.Target)
			}
		}
	}
	v := &Verdict{Policy: p, Counts: map[string]int{}}
	for _, k := range keys {
		f := all[k]
		v.Counts[f.Severity]++
		if !slices.Contains(p.Severities, f.Severity) {
			continue
		}
		if p.IgnoreUnfixed && f.Status != "fixed" {
			continue
		}
		v.Violations = append(v.Violations, *f)
	}
	sort.SliceStable(v.Violations, func(i, j int) bool {
		a, b := v.Violations[i], v.Violations[j]
		if ra, rb := rank(a.Severity), rank(b.Severity); ra != rb {
			return ra > rb
		}
		if a.VulnerabilityID != b.VulnerabilityID {
			return a.VulnerabilityID < b.VulnerabilityID
		}
		return a.PkgName < b.PkgName
	})
	return v, nil
}

// Summary is the failure message: how many findings break the policy, by
// severity, and the first max of them with their fixed versions.
func (v *Verdict) Summary(max int) string {
	var b strings.Builder
	n := len(v.Violations)
	noun := "vulnerabilities"
	if n == 1 {
		noun = "vulnerability"
	}
	fmt.Fprintf(&b, "scan found %d %s the policy does not allow (%s): %s", n, noun, v.Policy, v.counts(true))
	if all := v.counts(false); all != v.counts(true) {
		fmt.Fprintf(&b, "; all findings: %s", all)
	}
	for i, f := range v.Violations {
		if i == max {
			fmt.Fprintf(&b, "\n  ... and %d more (see %s)", n-max, TableReport)
			break
		}
		fixed := "no fixed version"
		if f.FixedVersion != "" {
			fixed = "fixed in " + f.FixedVersion
		}
		fmt.Fprintf(&b, "\n  %s %s: %s %s, %s, in %s", f.Severity, f.ID(), f.PkgName, f.InstalledVersion, fixed, strings.Join(f.Targets, ", "))
		if f.Title != "" {
			fmt.Fprintf(&b, " (%s)", f.Title)
		}
	}
	return b.String()
}

// counts prints "CRITICAL 1, HIGH 2", most severe first: of the violations,
// or of every finding.
func (v *Verdict) counts(violations bool) string {
	c := v.Counts
	if violations {
		c = map[string]int{}
		for _, f := range v.Violations {
			c[f.Severity]++
		}
	}
	var parts []string
	for i := len(Severities) - 1; i >= 0; i-- {
		if n := c[Severities[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", Severities[i], n))
		}
	}
	return strings.Join(parts, ", ")
}

func rank(sev string) int { return slices.Index(Severities, sev) }

// bySeverity sorts severities most severe first.
func bySeverity(s []string) []string {
	out := slices.Clone(s)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) > rank(out[j]) })
	return out
}
