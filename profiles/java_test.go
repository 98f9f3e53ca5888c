package profiles_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

const javaPom = `<project><build><plugins><plugin><configuration><archive><manifest>
<mainClass>com.example.App</mainClass></manifest></archive></configuration></plugin></plugins></build></project>`

func javaPlan(src string, files testfiles.Map, target ...string) (*plan.Plan, error) {
	s, err := spec.Parse("app.yaml", []byte("name: app\nlanguage: java\n"+src))
	if err != nil {
		return nil, err
	}
	p := amd64
	if len(target) > 0 && target[0] == "arm64" {
		p = arm64
	}
	return profiles.Java{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: p, Files: files})
}

// javaSources are the sources of the main classes the tests name: the
// profile refuses a main class the app has no source for.
var javaSources = testfiles.Map{
	"src/main/java/com/example/App.java": "", "src/main/java/org/acme/Main.java": "",
	"src/main/java/a/B.java": "", "src/main/java/x/Y.java": "",
}

// planJava plans a Java app with files and javaSources.
func planJava(t *testing.T, src string, files testfiles.Map, target ...string) *plan.Plan {
	t.Helper()
	files = maps.Clone(files)
	maps.Copy(files, javaSources)
	pl, err := javaPlan(src, files, target...)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestJavaLayout checks what the issue asks of every Java build: the build
// files before the source, the repository as a cache mount, everything on the
// build platform, lib from the stage a code change does not touch.
func TestJavaLayout(t *testing.T) {
	for _, c := range []struct {
		name  string
		files testfiles.Map
		first string
		cache string
	}{
		{"maven", testfiles.Map{"pom.xml": javaPom}, "pom.xml", "/root/.m2/repository"},
		{"gradle", testfiles.Map{"build.gradle": "application { mainClass = 'com.example.App' }", "settings.gradle": ""}, "settings.gradle", "/root/.gradle/caches"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, target := range []string{"amd64", "arm64"} {
				pl := planJava(t, "", c.files, target)
				deps := pl.Stage("deps")
				var copied []string
				for _, st := range deps.Steps {
					if st.Copy != nil {
						copied = append(copied, st.Copy.Paths...)
					}
					if st.Copy != nil && slices.Contains(st.Copy.Paths, ".") {
						t.Errorf("the source is copied into the deps stage")
					}
				}
				if len(copied) == 0 || copied[0] != c.first {
					t.Errorf("deps copies %v, want the build files", copied)
				}
				resolve := deps.Steps[len(deps.Steps)-1].Run
				if resolve == nil || resolve.Mounts[0].Target != c.cache || resolve.Mounts[0].Kind != "cache" {
					t.Errorf("dependency step has no repository cache mount: %+v", resolve)
				}
				for _, name := range []string{"deps", "build", "test"} {
					if !pl.Stage(name).OnBuildPlatform {
						t.Errorf("stage %s does not run on the build platform", name)
					}
				}
				lib := pl.Stage("runtime").Steps[0].Copy
				if lib.FromStage != "deps" || lib.Dest != "/app/lib" || lib.Owner != "0:0" {
					t.Errorf("lib copy = %+v, want /app/lib from deps owned by root", lib)
				}
				if got := pl.Stage("runtime").From.Image; got != "gcr.io/distroless/java21-debian13:nonroot" {
					t.Errorf("runtime = %s", got)
				}
				if got := strings.Join(pl.Image.Entrypoint, " "); got != "/usr/bin/java -cp /app/classes:/app/lib/* com.example.App" {
					t.Errorf("entrypoint = %s", got)
				}
				if !slices.Contains(pl.Image.Env, "JDK_JAVA_OPTIONS=-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError") {
					t.Errorf("env = %v", pl.Image.Env)
				}
			}
		})
	}
}

func TestJavaChoices(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		// builder, runtime are the stage images; main the entrypoint's last word.
		builder, runtime, main string
	}{
		{"version from the pom", "", testfiles.Map{"pom.xml": "<properties><maven.compiler.release>25</maven.compiler.release></properties>" + javaPom},
			"docker.io/library/maven:3.9-eclipse-temurin-25", "gcr.io/distroless/java25-debian13:nonroot", "com.example.App"},
		{"version from .java-version", "", testfiles.Map{"pom.xml": javaPom, ".java-version": "17.0.13\n"},
			"docker.io/library/maven:3.9-eclipse-temurin-17", "gcr.io/distroless/java17-debian13:nonroot", "com.example.App"},
		{"spec version, build and slim", "version: \"25\"\nbuild: org.acme.Main\nruntime: slim\n", testfiles.Map{"pom.xml": "<project/>"},
			"docker.io/library/maven:3.9-eclipse-temurin-25", "docker.io/library/eclipse-temurin:25-jre", "org.acme.Main"},
		{"root", "user: root\n", testfiles.Map{"pom.xml": javaPom},
			"docker.io/library/maven:3.9-eclipse-temurin-21", "gcr.io/distroless/java21-debian13:latest", "com.example.App"},
		{"gradle kts toolchain", "", testfiles.Map{"build.gradle.kts": "java { toolchain { languageVersion = JavaLanguageVersion.of(25) } }\napplication { mainClass.set(\"a.B\") }"},
			"docker.io/library/gradle:9-jdk25", "gcr.io/distroless/java25-debian13:nonroot", "a.B"},
		{"spec picks gradle", "dependencies:\n  manager: gradle\n", testfiles.Map{"pom.xml": javaPom, "build.gradle": "mainClassName = 'x.Y'\nsourceCompatibility = JavaVersion.VERSION_17"},
			"docker.io/library/gradle:9-jdk17", "gcr.io/distroless/java17-debian13:nonroot", "x.Y"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl := planJava(t, c.src, c.files)
			if got := pl.Stage("deps").From.Image; got != c.builder {
				t.Errorf("builder = %s, want %s", got, c.builder)
			}
			if got := pl.Stage("runtime").From.Image; got != c.runtime {
				t.Errorf("runtime = %s, want %s", got, c.runtime)
			}
			if got := pl.Image.Entrypoint[len(pl.Image.Entrypoint)-1]; got != c.main {
				t.Errorf("main class = %s, want %s", got, c.main)
			}
		})
	}
}

// TestJavaMainSource: the main class must have its source in the app
// (Kotlin's AppKt is App.kt, a nested class its outer class's file),
// unless the spec's entrypoint runs something else.
func TestJavaMainSource(t *testing.T) {
	for _, c := range []struct{ src, file, want string }{
		{"build: com.example.AppKt\n", "src/main/kotlin/com/example/App.kt", ""},
		{"build: com.example.App$Main\n", "src/main/java/com/example/App.java", ""},
		{"build: com.example.Gone\n", "src/main/java/com/example/App.java",
			"app.yaml:3:1: the main class com.example.Gone has no source in the app (looked for src/main/java/com/example/Gone.java, src/main/kotlin/com/example/Gone.kt, src/main/groovy/com/example/Gone.groovy, src/main/scala/com/example/Gone.scala); fix the class name, or set entrypoint for a main class from a dependency"},
		{"entrypoint: [/usr/bin/java, -cp, /app/lib/*, io.vertx.core.Launcher]\n", "src/main/java/com/example/App.java", ""},
	} {
		_, err := javaPlan(c.src, testfiles.Map{"pom.xml": javaPom, c.file: ""})
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("%q: err = %v, want %q", c.src, err, c.want)
		}
	}
}

// TestJavaIndex: dependencies.index reaches Maven as a settings file (the
// URL escaped as XML) and Gradle as an environment variable, never as part
// of a script; the secrets land where the tools read their user settings.
func TestJavaIndex(t *testing.T) {
	src := "dependencies:\n  index: \"https://repo.example.com/m2/?a=1&b='2'\"\nsecrets:\n  - id: maven_settings\n  - id: gradle_properties\n  - id: token\n    env: TOKEN\n"
	pl := planJava(t, src, testfiles.Map{"pom.xml": javaPom})
	w := pl.Stage("deps").Steps[0].Write
	if w == nil || !strings.Contains(string(w.Data), "<url>https://repo.example.com/m2/?a=1&amp;b=&#39;2&#39;</url>") || !strings.Contains(string(w.Data), "<mirrorOf>*</mirrorOf>") {
		t.Fatalf("settings = %+v", w)
	}
	for _, name := range []string{"deps", "build", "test"} {
		st := pl.Stage(name)
		r := st.Steps[len(st.Steps)-1].Run
		if !slices.Contains(r.Args, "/appbuild/maven-settings.xml") {
			t.Errorf("%s: %v does not use the mirror settings", name, r.Args)
		}
		var targets []string
		for _, m := range r.Mounts {
			targets = append(targets, m.Target+m.Env)
		}
		if want := "/root/.m2/repository|/root/.m2/settings.xml|/root/.gradle/gradle.properties|TOKEN"; strings.Join(targets, "|") != want {
			t.Errorf("%s mounts = %v, want %s", name, targets, want)
		}
	}

	pl = planJava(t, src, testfiles.Map{"build.gradle": "mainClass = 'a.B'"})
	if env := pl.Stage("deps").Env; !slices.Contains(env, "APPBUILD_MAVEN_INDEX=https://repo.example.com/m2/?a=1&b='2'") {
		t.Errorf("gradle env = %v", env)
	}
	if w := pl.Stage("deps").Steps[0].Write; w == nil || strings.Contains(string(w.Data), "repo.example.com") {
		t.Errorf("the index is written into the init script: %+v", w)
	}
}

func TestJavaRefusals(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"no build file", "", testfiles.Map{},
			"app.yaml:2:1: no pom.xml, build.gradle or build.gradle.kts in the app's directory: a java app is built with Maven or Gradle"},
		{"no main class", "", testfiles.Map{"pom.xml": "<project/>"},
			"app.yaml:2:1: pom.xml names no main class: set build to it, like com.example.App"},
		{"build is not a class", "build: ./cmd/x\n", testfiles.Map{"pom.xml": javaPom},
			`app.yaml:3:1: "./cmd/x" is not a Java class name: for java, build names the main class, like com.example.App`},
		{"bad version", "version: lts\n", testfiles.Map{"pom.xml": javaPom},
			`app.yaml:3:1: "lts" is not a Java version: write the major version, like "21"`},
		{"manager without its file", "dependencies:\n  manager: gradle\n", testfiles.Map{"pom.xml": javaPom},
			"app.yaml:4:3: dependencies.manager is gradle but the app has no build.gradle or build.gradle.kts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := javaPlan(c.src, c.files)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
		})
	}
}
