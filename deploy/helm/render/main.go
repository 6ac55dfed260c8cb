// Offline Helm renderer for tests: renders a chart the way `helm template` does, with the same
// engines Helm uses (Go's text/template plus Masterminds/sprig, gojsonschema for
// values.schema.json), built from Debian packages only (no Helm, no network).
//
// Mirrors Helm 3 where the chart relies on it: values are read YAML -> JSON (numbers are float64,
// as in Helm), deep-merged over values.yaml (a null removes a key); the built-in objects .Values,
// .Release, .Chart, .Capabilities, .Template; the functions Helm adds to sprig (include, tpl,
// required, toYaml, fromYaml, toJson, fromJson, lookup, fail); templates/_* only define
// templates; "<no value>" renders as ""; NOTES.txt is rendered apart.
//
// Usage:
//
//	render --chart DIR [--name R] [--namespace N] [-f values.yaml]... [--set a.b=v]...
//	       [--upgrade] [--revision N] [--api-versions v1,...] [--notes FILE]
//
// Writes every non-empty manifest to stdout as "---\n# Source: <chart>/templates/<file>\n...".
// Exit status 1 with the error on stderr (template error, schema violation, required value).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// apiVersions answers .Capabilities.APIVersions.Has "group/version" like Helm's VersionSet.
type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func main() {
	var chartDir, name, namespace, notesOut, apis string
	var valueFiles, sets multiFlag
	var upgrade bool
	var revision int
	flag.StringVar(&chartDir, "chart", "", "chart directory")
	flag.StringVar(&name, "name", "release", "release name")
	flag.StringVar(&namespace, "namespace", "default", "release namespace")
	flag.Var(&valueFiles, "f", "values file (repeatable; later files win)")
	flag.Var(&sets, "set", "a.b.c=value (repeatable; after the files)")
	flag.BoolVar(&upgrade, "upgrade", false, "render as an upgrade (.Release.IsUpgrade)")
	flag.IntVar(&revision, "revision", 1, ".Release.Revision")
	flag.StringVar(&apis, "api-versions", "", "extra API versions for .Capabilities.APIVersions")
	flag.StringVar(&notesOut, "notes", "", "write the rendered NOTES.txt to this file")
	flag.Parse()
	if chartDir == "" {
		fail(errors.New("--chart is required"))
	}
	out, notes, err := render(chartDir, name, namespace, valueFiles, sets, upgrade, revision, apis)
	if err != nil {
		fail(err)
	}
	if notesOut != "" {
		if err := os.WriteFile(notesOut, []byte(notes), 0o644); err != nil {
			fail(err)
		}
	}
	os.Stdout.WriteString(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "render: "+err.Error())
	os.Exit(1)
}

// yamlToJSONValue reads YAML and returns it as encoding/json would decode it (float64 numbers,
// map[string]interface{}), which is what Helm's sigs.k8s.io/yaml produces.
func yamlToJSONValue(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	js, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(js, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// merge deep-merges src over dst: maps merge, anything else replaces, null deletes.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// parseSetValue types a --set value like Helm's strvals: null, booleans, integers, else string.
func parseSetValue(s string) interface{} {
	switch s {
	case "null":
		return nil
	case "true":
		return true
	case "false":
		return false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return float64(i)
	}
	return s
}

func applySet(values map[string]interface{}, expr string) error {
	eq := strings.IndexByte(expr, '=')
	if eq <= 0 {
		return fmt.Errorf("--set %q: want key=value", expr)
	}
	path := strings.Split(expr[:eq], ".")
	cur := values
	for _, p := range path[:len(path)-1] {
		next, ok := cur[p].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			cur[p] = next
		}
		cur = next
	}
	last := path[len(path)-1]
	if v := parseSetValue(expr[eq+1:]); v == nil {
		delete(cur, last)
	} else {
		cur[last] = v
	}
	return nil
}

func toYAML(v interface{}) string {
	// As Helm: through JSON first, so keys sort and numbers print as Helm prints them.
	js, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic interface{}
	if err := yaml.Unmarshal(js, &generic); err != nil {
		return ""
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(generic); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func validateSchema(chartDir string, values map[string]interface{}) error {
	schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("values.schema.json: %v", err)
	}
	if !res.Valid() {
		var msgs []string
		for _, e := range res.Errors() {
			msgs = append(msgs, "- "+e.String())
		}
		return fmt.Errorf("values don't meet the specifications of the schema(s):\n%s", strings.Join(msgs, "\n"))
	}
	return nil
}

func render(chartDir, name, namespace string, valueFiles, sets []string, upgrade bool,
	revision int, apis string) (string, string, error) {
	chartRaw, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", "", err
	}
	chartMeta, err := yamlToJSONValue(chartRaw)
	if err != nil {
		return "", "", fmt.Errorf("Chart.yaml: %v", err)
	}
	chartName, _ := chartMeta["name"].(string)
	// Helm exposes Chart.yaml fields capitalised (.Chart.Name, .Chart.AppVersion).
	chartObj := map[string]interface{}{}
	for k, v := range chartMeta {
		chartObj[strings.ToUpper(k[:1])+k[1:]] = v
	}

	values := map[string]interface{}{}
	if data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml")); err == nil {
		if values, err = yamlToJSONValue(data); err != nil {
			return "", "", fmt.Errorf("values.yaml: %v", err)
		}
	}
	for _, f := range valueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", "", err
		}
		v, err := yamlToJSONValue(data)
		if err != nil {
			return "", "", fmt.Errorf("%s: %v", f, err)
		}
		values = merge(values, v)
	}
	for _, s := range sets {
		if err := applySet(values, s); err != nil {
			return "", "", err
		}
	}
	if err := validateSchema(chartDir, values); err != nil {
		return "", "", err
	}

	versions := apiVersions{"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2"}
	if apis != "" {
		versions = append(versions, strings.Split(apis, ",")...)
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartObj,
		"Release": map[string]interface{}{
			"Name": name, "Namespace": namespace, "Service": "Helm",
			"IsInstall": !upgrade, "IsUpgrade": upgrade, "Revision": revision,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"},
			"APIVersions": versions,
		},
	}

	// Every template file parsed into one set, named "<chart>/templates/<path>" as in Helm.
	tdir := filepath.Join(chartDir, "templates")
	var files []string
	err = filepath.Walk(tdir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", "", err
	}
	sort.Strings(files)

	root := template.New("root").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includedDepth := 0
	funcs["include"] = func(n string, data interface{}) (string, error) {
		includedDepth++
		defer func() { includedDepth-- }()
		if includedDepth > 1000 {
			return "", fmt.Errorf("include %q: recursion too deep", n)
		}
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, n, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m, err := yamlToJSONValue([]byte(s))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	// No API server offline: lookup finds nothing, as `helm template` does.
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	root.Funcs(funcs)

	names := map[string]string{}
	for _, f := range files {
		rel, _ := filepath.Rel(chartDir, f)
		tname := chartName + "/" + filepath.ToSlash(rel)
		data, err := os.ReadFile(f)
		if err != nil {
			return "", "", err
		}
		if _, err := root.New(tname).Parse(string(data)); err != nil {
			return "", "", err
		}
		names[tname] = filepath.Base(f)
	}

	var order []string
	for n := range names {
		order = append(order, n)
	}
	sort.Strings(order)
	var out strings.Builder
	notes := ""
	for _, tname := range order {
		base := names[tname]
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": tname, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, data); err != nil {
			return "", "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			notes = text
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		for _, doc := range splitDocs(text) {
			out.WriteString("---\n# Source: " + tname + "\n" + doc + "\n")
		}
	}
	return out.String(), notes, nil
}

// splitDocs splits a rendered file on "---" lines and drops documents with no content.
func splitDocs(text string) []string {
	var docs []string
	var cur []string
	flush := func() {
		doc := strings.TrimSpace(strings.Join(cur, "\n"))
		empty := true
		for _, l := range strings.Split(doc, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
				empty = false
			}
		}
		if !empty {
			docs = append(docs, doc)
		}
		cur = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " ") == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}
