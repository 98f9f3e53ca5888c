module example.com/go-hello

go 1.26

require github.com/go-chi/chi/v5 v5.5.0

require github.com/dgrijalva/jwt-go v3.2.0+incompatible
