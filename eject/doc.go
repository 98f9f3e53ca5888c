// Package eject writes a plan as a plain multi-stage Dockerfile: the same
// stages, cache mounts, pinned base images, non-root user and HEALTHCHECK,
// so a team can leave appbuild at any time and keep an equivalent build.
//
// The Dockerfile needs only the Dockerfile frontend built into BuildKit
// (heredocs for the files a plan writes, cache and secret mounts, --chmod),
// no `# syntax=` image, so it builds where no image can be pulled.
//
// It says what the LLB says, and nothing a spec value could add:
//   - every value goes through one writer for its place (literal.go): a
//     word BuildKit's lexer reads back as itself, exec-form JSON, or a
//     one-line comment; a file's content is a heredoc whose delimiter it
//     does not hold;
//   - a step's environment is ARGs declared right before its RUN, which
//     BuildKit passes to that RUN and to no later stage; a stage whose
//     step with env is not its last goes on in a stage of its own
//     (NAME--1, ..., NAME), since an ARG lasts to its stage's end;
//   - Dockerfile reads its output back as the Dockerfile frontend would
//     (Read: BuildKit's parser, instruction parser and lexer) and returns
//     no file that says other than its plan (Check).
package eject
