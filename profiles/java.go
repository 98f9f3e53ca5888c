package profiles

import (
	"regexp"
	"slices"
	"strings"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Java plans Java apps built with Maven or Gradle, laid out as Jib lays them
// out: the runtime dependencies in /app/lib, the app's classes and resources
// in /app/classes, and java -cp /app/classes:/app/lib/* <main class>.
//
// Dependencies. The build files alone (pom.xml, or the Gradle build and
// settings scripts) are copied into a deps stage first, and the build tool
// resolves everything from them with its repository in a cache mount
// (/root/.m2/repository, /root/.gradle/caches). For Maven that is the build's
// own lifecycle run on the pom alone (mvn package with no sources: exactly the
// plugins and dependencies the real build uses, which dependency:go-offline
// does not always find) and copy-dependencies of the runtime scope into
// /deps/lib; for Gradle, a task an init script adds, which copies the
// runtimeClasspath configuration into /deps/lib after resolving the compile
// and test ones too. The source is copied after, in the build stage: a code
// change never re-resolves, and /app/lib comes from the deps stage, so its
// layer is the same one and is not pushed again.
//
// Repositories. dependencies.index names a mirror of every repository (a
// private Nexus or Artifactory, say): for Maven it is a <mirror> with
// mirrorOf * in a settings file passed as --global-settings; for Gradle the
// init script points every Maven repository and the plugin repositories at
// it. Credentials go in a build secret: maven_settings is mounted as Maven's
// user settings (/root/.m2/settings.xml; its <server> with id appbuild-mirror
// gives the mirror's), gradle_properties as /root/.gradle/gradle.properties.
//
// Platforms. A jar does not depend on the CPU: everything is built once, on
// the build platform, and only the runtime base differs per target.
//
// Runtime. gcr.io/distroless/java<major>-debian13 (eclipse-temurin:<major>-jre
// with runtime: slim), as uid 65532, with JDK_JAVA_OPTIONS making the heap a
// share of the container's memory limit (the JVM reads the cgroup limit) and
// the process exit on OutOfMemoryError, so the orchestrator restarts it.
//
// The main class is the spec's build, else the <mainClass> of pom.xml (the jar
// or exec plugin's) or Gradle's application mainClass. The Maven and Gradle
// wrappers are not used: they download the build tool, which the images have.
type Java struct{}

// javaLanguage is Java's descriptor: Maven and Gradle keep no lock file
// appbuild reads; Reads are their settings and version catalog.
var javaLanguage = register(Language{
	Name:         "java",
	Rank:         4,
	Profile:      Java{},
	Managers:     []string{"maven", "gradle"},
	Detect:       []string{"pom.xml", "build.gradle", "build.gradle.kts"},
	DetectRank:   3,
	VersionFiles: []string{".java-version"},
	Reads: []string{"settings.gradle", "settings.gradle.kts", "gradle.properties", "gradle/libs.versions.toml",
		".mvn/maven.config", ".mvn/jvm.config", ".mvn/extensions.xml"},
})

const (
	// defaultJavaMajor is the Java version used when neither the spec nor
	// the build files pin one: the LTS release Debian 13 ships by default.
	defaultJavaMajor = "21"
	// mavenImage is Maven's build image, used as maven:3.9-eclipse-temurin-<major>.
	mavenImage   = "docker.io/library/maven"
	mavenVersion = "3.9"
	// gradleImage is Gradle's, used as gradle:9-jdk<major>.
	gradleImage   = "docker.io/library/gradle"
	gradleVersion = "9"
	// temurinImage is the slim runtime, used as eclipse-temurin:<major>-jre.
	temurinImage = "docker.io/library/eclipse-temurin"
	// distrolessJava is the runtime, used as java<major>-debian13.
	distrolessJava = "gcr.io/distroless/java"
	// mavenDependencyPlugin copies the runtime dependencies; named in full,
	// so that no plugin prefix metadata is needed and the pom need not
	// declare it.
	mavenDependencyPlugin = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
	// mavenSettingsSecret and gradlePropertiesSecret are the secret ids
	// mounted as the build tools' user configuration.
	mavenSettingsSecret    = "maven_settings"
	gradlePropertiesSecret = "gradle_properties"
	// mavenMirrorID is the id of dependencies.index's mirror, which a
	// <server> in the maven_settings secret gives credentials to.
	mavenMirrorID = "appbuild-mirror"

	javaDepsDir     = "/deps"
	javaSrcDir      = "/src"
	javaLibDir      = "/deps/lib"
	appbuildConfDir = "/appbuild"
	// javaOptions are the JVM's default options in the image, in
	// JDK_JAVA_OPTIONS (read by the java launcher only; the spec's env
	// replaces them).
	javaOptions = "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError"
)

// The build tools' repositories, in cache mounts: a rebuild reuses what was
// downloaded and none of it lands in a layer.
var (
	mavenRepository = plan.Mount{Kind: "cache", Target: "/root/.m2/repository", ID: "appbuild-maven-repository"}
	gradleCaches    = plan.Mount{Kind: "cache", Target: "/root/.gradle/caches", ID: "appbuild-gradle-caches"}
)

// javaTool is what differs between Maven and Gradle.
type javaTool struct {
	name  string
	image string
	// versionFrom is where the Java version was read.
	versionFrom string
	cache       plan.Mount
	// manifests are the build files copied before the source.
	manifests []string
	// setup writes the tool's configuration into the deps stage.
	setup []plan.Step
	// resolve is the deps stage's command, build the build stage's, test
	// the test stage's; env is the deps stage's environment, which the
	// other two inherit.
	resolve, build, test []string
	env                  []string
	// classes is the directory, in the build stage, that becomes /app/classes.
	classes string
}

// Plan plans a Java app (see build) under the image contract.
func (j Java) Plan(s *spec.Spec, env Env) (*plan.Plan, error) { return assemble(s, env, j.build) }

// build resolves the dependencies and builds the classes on the build
// platform, then lays lib and classes into the Java runtime of the target.
func (Java) build(s *spec.Spec, env Env) (contract.Build, error) {
	if s.Packages != nil {
		return contract.Build{}, s.Errorf("packages", "extra OS packages are not supported for java yet")
	}
	if s.Runtime == "scratch" {
		return contract.Build{}, s.Errorf("runtime", "java needs a JVM: use distroless (the default) or slim")
	}
	tool, major, main, err := javaToolchain(s, env.Files)
	if err != nil {
		return contract.Build{}, err
	}
	mounts := append([]plan.Mount{tool.cache}, secretMounts(s, map[string]string{
		mavenSettingsSecret:    "/root/.m2/settings.xml",
		gradlePropertiesSecret: "/root/.gradle/gradle.properties",
	})...)
	run := func(args []string) *plan.Run {
		return &plan.Run{Args: args, Mounts: mounts}
	}

	deps := javaDepsStage(tool, run)
	build := javaBuildStage(s, tool, run)
	test := &contract.Test{From: "build", OnBuildPlatform: true, Workdir: javaSrcDir,
		Step: tool.name + " test", Run: *run(tool.test)}

	base, java := javaRuntime(s, major)
	runtime := plan.Stage{
		From: base,
		Steps: []plan.Step{{
			// From the deps stage, which a code change does not touch: the
			// same layer, not pushed again.
			Name:   "copy dependencies",
			Origin: []string{"dependencies"},
			Copy:   &plan.Copy{FromStage: "deps", Paths: []string{javaLibDir}, Dest: appDir + "/lib", Owner: rootOwner},
		}, {
			Name:   "copy classes",
			Origin: []string{"build"},
			Copy:   &plan.Copy{FromStage: "build", Paths: []string{tool.classes}, Dest: appDir + "/classes", Owner: rootOwner},
		}},
	}
	return contract.Build{Stages: []plan.Stage{deps, build}, Test: test, Runtime: runtime, Toolchain: toolchain("Java", major, tool.versionFrom),
		Entrypoint: []string{java, "-cp", appDir + "/classes:" + appDir + "/lib/*", main},
		Env:        map[string]string{"JDK_JAVA_OPTIONS": javaOptions}}, nil
}

// javaToolchain picks Maven or Gradle and reads from the build file the
// Java major version and the main class.
func javaToolchain(s *spec.Spec, files Files) (tool javaTool, major, main string, err error) {
	manager, err := javaManager(s, files)
	if err != nil {
		return javaTool{}, "", "", err
	}
	var buildFile []byte
	if manager == "maven" {
		buildFile, _ = files.ReadFile("pom.xml")
	} else {
		buildFile = gradleBuildFile(files)
	}
	major, from, err := javaMajor(s, files, buildFile)
	if err != nil {
		return javaTool{}, "", "", err
	}
	main, err = javaMainClass(s, manager, buildFile)
	if err != nil {
		return javaTool{}, "", "", err
	}
	if err := javaMainSource(s, files, main); err != nil {
		return javaTool{}, "", "", err
	}
	if manager == "maven" {
		tool = mavenTool(s, files, major)
	} else {
		tool = gradleTool(s, files, major)
	}
	tool.versionFrom = from
	for _, f := range dependencyFiles(s) {
		if !slices.Contains(tool.manifests, f) {
			tool.manifests = append(tool.manifests, f)
		}
	}
	return tool, major, main, nil
}

// javaDepsStage resolves the dependencies from the manifests alone, so a
// source change never resolves them again.
func javaDepsStage(tool javaTool, run func([]string) *plan.Run) plan.Stage {
	depOrigin := []string{"dependencies", "language"}
	// The tool's environment is the deps stage's, which the build and test
	// stages start from: every step of the three runs the tool with it (and
	// an ejected Dockerfile can only override an image's variable with ENV).
	deps := plan.Stage{
		Name:            "deps",
		From:            plan.Base{Image: tool.image},
		OnBuildPlatform: true,
		Env:             tool.env,
		Workdir:         javaDepsDir,
		Steps:           slices.Clone(tool.setup),
	}
	deps.Steps = append(deps.Steps, plan.Step{
		Name:   "copy " + strings.Join(tool.manifests, " "),
		Origin: depOrigin,
		Copy:   &plan.Copy{Paths: tool.manifests, Dest: javaDepsDir + "/"},
	}, plan.Step{
		// An app with no runtime dependency still gets its (empty) lib.
		Name:   "mkdir " + javaLibDir,
		Origin: depOrigin,
		Run:    &plan.Run{Args: []string{"mkdir", "-p", javaLibDir}},
	}, plan.Step{
		Name:   strings.Join(tool.resolve, " "),
		Origin: depOrigin,
		Run:    run(tool.resolve),
	})

	return deps
}

// javaBuildStage compiles the classes with the tool, or the spec's
// build_command, on top of the resolved dependencies.
func javaBuildStage(s *spec.Spec, tool javaTool, run func([]string) *plan.Run) plan.Stage {
	buildStep := plan.Step{Name: strings.Join(tool.build, " "), Origin: []string{"build"}, Run: run(tool.build)}
	if len(s.BuildCommand) > 0 {
		buildStep = plan.Step{Name: strings.Join(s.BuildCommand, " "), Origin: []string{"build_command"}, Run: run(s.BuildCommand)}
	}
	return plan.Stage{
		Name:            "build",
		From:            plan.Base{Stage: "deps"},
		OnBuildPlatform: true,
		Workdir:         javaSrcDir,
		Steps: []plan.Step{{
			Name:   "copy source",
			Origin: []string{"dir", "language"},
			Copy:   &plan.Copy{Paths: []string{"."}, Dest: javaSrcDir + "/"},
		}, buildStep},
	}
}

// javaManager is the spec's build tool, or the one whose build file the app
// has (Maven's first).
func javaManager(s *spec.Spec, files Files) (string, error) {
	if s.Dependencies != nil && s.Dependencies.Manager != "" {
		m := s.Dependencies.Manager
		if m == "maven" && !exists(files, "pom.xml") {
			return "", s.Errorf("dependencies.manager", "dependencies.manager is maven but the app has no pom.xml")
		}
		if m == "gradle" && gradleBuildFile(files) == nil {
			return "", s.Errorf("dependencies.manager", "dependencies.manager is gradle but the app has no build.gradle or build.gradle.kts")
		}
		return m, nil
	}
	switch {
	case exists(files, "pom.xml"):
		return "maven", nil
	case gradleBuildFile(files) != nil:
		return "gradle", nil
	}
	return "", s.Errorf(appDirField(s), "no pom.xml, build.gradle or build.gradle.kts in the app's directory: a java app is built with Maven or Gradle")
}

// dependencyFiles are the spec's dependencies.files.
func dependencyFiles(s *spec.Spec) []string {
	if s.Dependencies == nil {
		return nil
	}
	return s.Dependencies.Files
}

// mavenFlags are the flags of every mvn command: no prompts, no progress
// bars, and dependencies.index's mirror.
func mavenFlags(s *spec.Spec) []string {
	flags := []string{"mvn", "--batch-mode", "--no-transfer-progress"}
	if s.Dependencies != nil && s.Dependencies.Index != "" {
		flags = append(flags, "--global-settings", appbuildConfDir+"/maven-settings.xml")
	}
	return flags
}

func mavenTool(s *spec.Spec, files Files, major string) javaTool {
	mvn := mavenFlags(s)
	t := javaTool{
		name:      "mvn",
		image:     mavenImage + ":" + mavenVersion + "-eclipse-temurin-" + major,
		cache:     mavenRepository,
		manifests: []string{"pom.xml"},
		resolve: append(slices.Clone(mvn), "-DskipTests", "package",
			mavenDependencyPlugin+":copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory="+javaLibDir),
		build:   append(slices.Clone(mvn), "-DskipTests", "package"),
		test:    append(slices.Clone(mvn), "test"),
		classes: javaSrcDir + "/target/classes",
	}
	// Maven's own project configuration changes how it resolves.
	for _, f := range []string{".mvn/maven.config", ".mvn/jvm.config", ".mvn/extensions.xml"} {
		if exists(files, f) {
			t.manifests = append(t.manifests, f)
		}
	}
	if s.Dependencies != nil && s.Dependencies.Index != "" {
		t.setup = []plan.Step{{
			Name:   "write " + appbuildConfDir + "/maven-settings.xml (dependencies.index)",
			Origin: []string{"dependencies.index"},
			Write:  &plan.Write{Path: appbuildConfDir + "/maven-settings.xml", Data: mavenMirrorSettings(s.Dependencies.Index), Mode: 0o644},
		}}
	}
	return t
}

// mavenMirrorSettings is a Maven settings file whose one mirror serves every
// repository from index.
func mavenMirrorSettings(index string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by appbuild from dependencies.index: every repository through one mirror.
     Credentials for it: a <server> with id ` + mavenMirrorID + ` in the ` + mavenSettingsSecret + ` secret. -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">
  <mirrors>
    <mirror>
      <id>` + mavenMirrorID + `</id>
      <name>dependencies.index</name>
      <url>` + xmlText(index) + `</url>
      <mirrorOf>*</mirrorOf>
    </mirror>
  </mirrors>
</settings>
`)
}

// gradleFiles are Gradle's build files, copied before the source when the
// app has them.
var gradleFiles = []string{
	"settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts",
	"gradle.properties", "gradle/libs.versions.toml",
}

// gradleBuildFile is the app's build.gradle(.kts), or nil.
func gradleBuildFile(files Files) []byte {
	for _, f := range []string{"build.gradle", "build.gradle.kts"} {
		if data, err := files.ReadFile(f); err == nil {
			return data
		}
	}
	return nil
}

// gradleInitScript adds appbuild's two tasks to every Java project, and
// points every repository at APPBUILD_MAVEN_INDEX when it is set (from
// dependencies.index: an environment variable, so no spec string is ever
// part of a script).
var gradleInitScript = []byte(`// Written by appbuild (profiles/java.go).
def index = System.getenv('APPBUILD_MAVEN_INDEX')
if (index) {
    def mirror = { repos ->
        repos.withType(MavenArtifactRepository).configureEach {
            url = index
            allowInsecureProtocol = index.startsWith('http:')
        }
    }
    settingsEvaluated { settings ->
        settings.pluginManagement.repositories.maven { url = index; allowInsecureProtocol = index.startsWith('http:') }
        mirror(settings.pluginManagement.repositories)
        mirror(settings.dependencyResolutionManagement.repositories)
    }
    allprojects {
        mirror(buildscript.repositories)
        mirror(repositories)
    }
}
allprojects {
    plugins.withType(JavaPlugin) {
        // The runtime dependencies, for the deps stage; the compile and test
        // classpaths are resolved too, so the build and the tests need nothing.
        tasks.register('appbuildDependencies', Sync) {
            from configurations.runtimeClasspath
            into '` + javaLibDir + `'
            doFirst {
                ['compileClasspath', 'testCompileClasspath', 'testRuntimeClasspath'].each {
                    configurations.findByName(it)?.resolve()
                }
            }
        }
        // The classes and resources, for the runtime image.
        tasks.register('appbuildClasses', Sync) {
            from sourceSets.main.output
            into '/out/classes'
        }
    }
}
`)

func gradleTool(s *spec.Spec, files Files, major string) javaTool {
	initScript := appbuildConfDir + "/init.gradle"
	gradle := []string{"gradle", "--no-daemon", "--console=plain", "--init-script", initScript}
	t := javaTool{
		name:    "gradle",
		image:   gradleImage + ":" + gradleVersion + "-jdk" + major,
		cache:   gradleCaches,
		resolve: append(slices.Clone(gradle), "appbuildDependencies"),
		build:   append(slices.Clone(gradle), "appbuildClasses", "-x", "test"),
		test:    append(slices.Clone(gradle), "test"),
		env:     []string{"GRADLE_USER_HOME=/root/.gradle"},
		classes: "/out/classes",
		setup: []plan.Step{{
			Name:   "write " + initScript,
			Origin: []string{"dependencies", "language"},
			Write:  &plan.Write{Path: initScript, Data: gradleInitScript, Mode: 0o644},
		}},
	}
	for _, f := range gradleFiles {
		if exists(files, f) {
			t.manifests = append(t.manifests, f)
		}
	}
	if s.Dependencies != nil && s.Dependencies.Index != "" {
		t.env = append(t.env, "APPBUILD_MAVEN_INDEX="+s.Dependencies.Index)
	}
	return t
}

// javaRuntime is the runtime base image and where java is in it.
func javaRuntime(s *spec.Spec, major string) (plan.Base, string) {
	if s.Runtime == "slim" {
		return plan.Base{Image: temurinImage + ":" + major + "-jre"}, "/opt/java/openjdk/bin/java"
	}
	ref := distrolessJava + major + "-debian13:nonroot"
	if runsAsRoot(s) {
		ref = distrolessJava + major + "-debian13:latest"
	}
	return plan.Base{Image: ref}, "/usr/bin/java"
}

var (
	javaVersionRe = regexp.MustCompile(`^(?:1\.)?([1-9][0-9]*)(?:\.[0-9]+)*$`)
	// The Java release a build file asks for: Maven's compiler release,
	// target or a java.version property; Gradle's toolchain or
	// compatibility settings.
	javaReleaseRes = []*regexp.Regexp{
		regexp.MustCompile(`<maven\.compiler\.release>\s*([0-9.]+)\s*<`),
		regexp.MustCompile(`<release>\s*([0-9.]+)\s*</release>`),
		regexp.MustCompile(`<java\.version>\s*([0-9.]+)\s*<`),
		regexp.MustCompile(`<maven\.compiler\.target>\s*([0-9.]+)\s*<`),
		regexp.MustCompile(`JavaLanguageVersion\.of\(\s*([0-9]+)\s*\)`),
		regexp.MustCompile(`(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_|['"])([0-9_.]+)`),
	}
	javaClassRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$`)
	// A main class in a build file: the jar or exec plugin's <mainClass>,
	// Gradle's application mainClass (or the older mainClassName).
	mainClassRes = []*regexp.Regexp{
		regexp.MustCompile(`<mainClass>\s*([A-Za-z0-9_$.]+)\s*</mainClass>`),
		regexp.MustCompile(`mainClass(?:Name)?\s*(?:=|\.set\()\s*["']([A-Za-z0-9_$.]+)["']`),
	}
)

// javaMajor is the Java major version of both images: the spec's version,
// else .java-version (jenv's, "21" or "21.0.5"), else the release the build
// file compiles for, else the default.
func javaMajor(s *spec.Spec, files Files, buildFile []byte) (major, from string, err error) {
	if s.Version != "" {
		m := javaVersionRe.FindStringSubmatch(s.Version)
		if m == nil {
			return "", "", s.Errorf("version", "%q is not a Java version: write the major version, like \"21\"", s.Version)
		}
		return m[1], fromSpec, nil
	}
	if data, err := files.ReadFile(".java-version"); err == nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		m := javaVersionRe.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			return "", "", s.Errorf("language", ".java-version holds %q: appbuild needs a version number there, like 21", strings.TrimSpace(line))
		}
		return m[1], ".java-version", nil
	}
	for _, re := range javaReleaseRes {
		if m := re.FindSubmatch(buildFile); m != nil {
			if v := javaVersionRe.FindStringSubmatch(strings.ReplaceAll(string(m[1]), "_", ".")); v != nil {
				return v[1], "the build file's release", nil
			}
		}
	}
	return defaultJavaMajor, fromDefault, nil
}

// javaMainSource refuses a main class whose source the app lacks: the
// image runs java -cp /app/classes:/app/lib/* MAIN, and a class that is not
// there dies at start ("Could not find or load main class"). The source is
// looked for where Maven and Gradle compile from (Kotlin's FileKt classes
// in File.kt, a nested class in its outer class's file).
func javaMainSource(s *spec.Spec, files Files, main string) error {
	if main == "" || len(s.Entrypoint) > 0 {
		return nil
	}
	outer, _, _ := strings.Cut(main, "$")
	file := strings.ReplaceAll(outer, ".", "/")
	var want []string
	for _, lang := range []struct{ dir, ext string }{{"java", ".java"}, {"kotlin", ".kt"}, {"groovy", ".groovy"}, {"scala", ".scala"}} {
		want = append(want, "src/main/"+lang.dir+"/"+file+lang.ext)
	}
	if kt, ok := strings.CutSuffix(file, "Kt"); ok {
		want = append(want, "src/main/kotlin/"+kt+".kt", "src/main/java/"+kt+".kt")
	}
	if files.FirstOf(want...) != "" {
		return nil
	}
	field := "language"
	if s.Build != "" {
		field = "build"
	}
	return s.Errorf(field, "the main class %s has no source in the app (looked for %s); fix the class name, or set entrypoint for a main class from a dependency", main, strings.Join(want, ", "))
}

// javaMainClass is the class the image runs: the spec's build, else the one
// the build file names.
func javaMainClass(s *spec.Spec, manager string, buildFile []byte) (string, error) {
	if s.Build != "" {
		if !javaClassRe.MatchString(s.Build) {
			return "", s.Errorf("build", "%q is not a Java class name: for java, build names the main class, like com.example.App", s.Build)
		}
		return s.Build, nil
	}
	for _, re := range mainClassRes {
		if m := re.FindSubmatch(buildFile); m != nil && javaClassRe.Match(m[1]) {
			return string(m[1]), nil
		}
	}
	if len(s.Entrypoint) > 0 {
		return "", nil // not used
	}
	file := "pom.xml"
	if manager == "gradle" {
		file = "the Gradle build"
	}
	return "", s.Errorf("language", "%s names no main class: set build to it, like com.example.App", file)
}
