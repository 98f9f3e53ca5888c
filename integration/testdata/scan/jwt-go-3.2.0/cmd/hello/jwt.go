package main

import "github.com/dgrijalva/jwt-go"

// parser links github.com/dgrijalva/jwt-go into the binary, so its version is
// in the binary's build info as well as in go.mod.
var parser = jwt.Parser{}
