platform {
  relay {
    host = "relay.example.net"
    port = 587
  }
}
