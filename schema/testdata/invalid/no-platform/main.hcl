tenant "acme" {
  domain "acme.example" {}
}
