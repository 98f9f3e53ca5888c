package integration

import (
	"testing"
)

// pyUV is examples/py-uv: a uv project, whose uv.lock appbuild reads and
// pip installs with the lock's hashes. The lock also holds a dev group
// (packaging) and a Windows-only dependency (colorama): neither is
// installed.
var pyUV = pyExample{
	name:    "py-uv",
	body:    "hello from uv.lock",
	install: "pip install (uv.lock)",
	source:  "app/main.py",
	pyc:     "/app/app/__pycache__/main.cpython-313.pyc",
	absent: []string{
		"/venv/lib/python3.13/site-packages/packaging",
		"/venv/lib/python3.13/site-packages/colorama",
	},
}

// TestPythonUV builds examples/py-uv for linux/amd64 and linux/arm64 and
// checks it as the other Python examples are checked (the images, a
// source-only change keeping the install cached). Its run and its ejected
// Dockerfile are TestExampleContract's and TestEjectEquivalence's.
func TestPythonUV(t *testing.T) {
	needTier(t, "python")
	t.Run("images", func(t *testing.T) { checkPythonImages(t, pyUV) })
	t.Run("source change", func(t *testing.T) { checkPythonSourceChange(t, pyUV) })
}
