package main

import "github.com/gorilla/websocket"

// upgrader links github.com/gorilla/websocket into the binary, so its version
// is in the binary's build info as well as in go.mod.
var upgrader = websocket.Upgrader{}
