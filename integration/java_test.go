package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Java example is built with Maven from the rig's local Maven repository
// (integration/rig/pkgserver (up.sh maven): Debian's packaged Maven plugins and libraries on
// 127.0.0.1:3142), which the example names as its dependencies.index mirror.
// Gradle cannot run on these machines (neither a Gradle distribution nor the
// gradle image can be fetched, and Debian 13's gradle is 4.4): the Gradle
// example is checked by its golden plans (profiles/java_test.go).
const (
	javaDir    = "examples/java-maven"
	javaAnswer = "hello from appbuild (java, maven)"
	// javaResolve and javaBuild are the vertex names (prefixes) of the
	// dependency resolution on the pom alone and of the build.
	javaResolve = "[deps 4/4] mvn --batch-mode --no-transfer-progress --global-settings /appbuild/maven-settings.xml -DskipTests package"
	javaBuild   = "[build 2/2] mvn --batch-mode --no-transfer-progress --global-settings /appbuild/maven-settings.xml -DskipTests package"
)

// javaSettings writes Maven user settings with the rig's repository as the
// mirror: what a team passes as the maven_settings secret (here without
// credentials, which the rig's repository does not ask for). The example
// reaches the repository through dependencies.index already; its
// Dockerfile.baseline through this secret only.
func javaSettings(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "settings.xml")
	settings := `<settings><mirrors><mirror><id>appbuild-mirror</id><url>http://127.0.0.1:3142/maven2/</url>` +
		`<mirrorOf>*</mirrorOf></mirror></mirrors></settings>` + "\n"
	if err := os.WriteFile(p, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	return "id=maven_settings,src=" + p
}

// TestJavaMaven builds the Maven example through `# syntax=org/appbuild` for
// linux/amd64 and linux/arm64, checks both images, runs the amd64 one in
// podman read-only under a memory limit, rebuilds after a code-only change
// and runs the test target.
func TestJavaMaven(t *testing.T) {
	needTier(t, "java")
	dir := copyDir(t, filepath.Join(repoRoot(t), javaDir))
	secret := javaSettings(t)

	archive := filepath.Join(t.TempDir(), "image.tar")
	start := time.Now()
	res := mustBuildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch}, "-f", filepath.Join(dir, "app.yaml"),
		"--platform", "linux/amd64,linux/arm64", "--secret", secret, "-o", "type=oci,dest="+archive, dir)
	t.Logf("linux/amd64 + linux/arm64 build: %s", time.Since(start).Round(time.Second))
	// Resolved and built once, on the build platform, for both targets.
	for _, name := range []string{javaResolve, javaBuild, "[runtime 1/3] copy dependencies", "[runtime 2/3] copy classes"} {
		res.vertexNamed(t, name)
	}

	img := readOCI(t, archive)
	if len(img.Manifests) != 2 {
		t.Fatalf("image has platforms %v, want linux/amd64 and linux/arm64", keys(img.Manifests))
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(platform, func(t *testing.T) { javaCheckImage(t, img, platform) })
	}
	// The jar files do not depend on the CPU: the lib and classes layers are
	// the same blobs in both images.
	amd, arm := img.Manifests["linux/amd64"].Layers, img.Manifests["linux/arm64"].Layers
	if len(amd) < 3 || len(arm) != len(amd) {
		t.Fatalf("layers: %d and %d", len(amd), len(arm))
	}
	for i := len(amd) - 3; i < len(amd)-1; i++ {
		if amd[i].Digest != arm[i].Digest {
			t.Errorf("layer %d differs between the platforms: %s and %s", i, amd[i].Digest, arm[i].Digest)
		}
	}

	t.Run("podman", func(t *testing.T) { javaRunInPodman(t, dir, secret) })
	t.Run("code change", func(t *testing.T) { javaCodeChange(t, dir, secret) })
	t.Run("test target", func(t *testing.T) {
		res := mustBuildx(t, nil, testTargetArgs(dir, "--secret", secret)...)
		if !strings.Contains(res.Stderr, "BUILD SUCCESS") {
			t.Errorf("mvn test did not succeed in the log:\n%s", tail(res.Stderr, 3000))
		}
	})
}

// javaCheckImage checks what is Java's own in one platform's image (the
// contract is TestExampleContract's): the Jib-like layout, and no JDK or
// Maven piece (the contract already refuses their commands).
func javaCheckImage(t *testing.T, img *ociLayout, platform string) {
	files := img.Files(t, platform)
	for _, p := range []string{"/app/lib/gson-2.10.1.jar", "/app/classes/com/example/hello/App.class",
		"/app/classes/com/example/hello/Greeting.class"} {
		if _, ok := files[p]; !ok {
			t.Errorf("no %s in the image", p)
		}
	}
	for p := range files {
		if strings.HasPrefix(p, "/usr/share/maven") || strings.HasSuffix(p, "/jdk.compiler.jmod") || strings.HasPrefix(p, "/root/.m2") {
			t.Errorf("runtime image has a build tool: %s", p)
		}
	}
}

// javaRunInPodman runs the amd64 image read-only with a 256 MiB memory
// limit: the app answers with its heap at 75%
// of the limit (the JVM reads the container's limit; the contract is
// TestExampleContract's).
func javaRunInPodman(t *testing.T, dir, secret string) {
	image := nodeLoad(t, dir, "app.yaml", "--secret", secret)
	port := freePort(t)
	args := append([]string{"run", "-d", "--read-only", "--memory", "256m"}, podmanLimits...)
	id := mustPodman(t, append(args, "-p", "127.0.0.1:"+port+":8080", image)...)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := podman(t, "logs", id)
			t.Logf("container logs:\n%s", logs)
		}
		_, _ = podman(t, "rm", "-f", id)
	})

	var answer struct {
		Message    string `json:"message"`
		Java       int    `json:"java"`
		MaxHeapMiB int    `json:"max_heap_mib"`
	}
	body := waitHTTP(t, "http://127.0.0.1:"+port+"/", 60*time.Second)
	if err := json.Unmarshal([]byte(body), &answer); err != nil || answer.Message != javaAnswer || answer.Java != 21 {
		t.Errorf("app answered %q (%v)", body, err)
	}
	t.Logf("GET / under --memory 256m: %s", strings.TrimSpace(body))
	if answer.MaxHeapMiB < 150 || answer.MaxHeapMiB > 200 {
		t.Errorf("max heap %d MiB under a 256 MiB limit, want about 192 (75%%)", answer.MaxHeapMiB)
	}
}

// javaCodeChange edits a source file: the rebuild takes the dependency
// resolution from the cache, recompiles, and of the image's layers only the
// classes' differ, so the dependency layer is not pushed again.
func javaCodeChange(t *testing.T, dir, secret string) {
	build := func() (buildxResult, *ociLayout) {
		archive := filepath.Join(t.TempDir(), "image.tar")
		res := mustBuildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch}, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64",
			"--secret", secret, "-o", "type=oci,dest="+archive, dir)
		return res, readOCI(t, archive)
	}
	_, before := build()
	src := filepath.Join(dir, "src/main/java/com/example/hello/Greeting.java")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// A change of the code, not only of a comment: the class file changes.
	edited := bytes.Replace(data, []byte(javaAnswer), []byte(javaAnswer+", changed at "+time.Now().Format(time.RFC3339Nano)), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("Greeting.java holds no greeting to change")
	}
	if err := os.WriteFile(src, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, after := build()
	t.Logf("rebuild after a code change: %s", time.Since(start).Round(time.Second))
	if v := res.vertexNamed(t, javaResolve); !v.Cached {
		t.Errorf("%s ran again after a code-only change", javaResolve)
	}
	if v := res.vertexNamed(t, javaBuild); v.Cached {
		t.Errorf("%s was taken from the cache although Greeting.java changed", javaBuild)
	}
	b, a := before.Manifests["linux/amd64"].Layers, after.Manifests["linux/amd64"].Layers
	var changed []int
	for i := range a {
		if i >= len(b) || a[i].Digest != b[i].Digest {
			changed = append(changed, i)
		}
	}
	// The layers: the base's, lib, classes, the probe.
	if len(a) != len(b) || len(changed) != 1 || changed[0] != len(a)-2 {
		t.Errorf("layers changed by a code change: %v of %d, want only the classes layer (%d)", changed, len(a), len(a)-2)
	}
}
