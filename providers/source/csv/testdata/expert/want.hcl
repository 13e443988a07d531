== acme.hcl
# Imported by mailform import.

tenant "acme" {
  domain "acme.example" {
    max_mailboxes = 2
    max_quota     = "8GB"
    default_quota = "2GB"
    services      = ["imap", "smtp", "webmail"]
    allowed_ips   = ["203.0.113.0/28"]
    catch_all     = "info@acme.example"
    postmaster {
      password_hash = "{SHA512-CRYPT}$6$/EEpncUotacH4Knj$CHTCSkCqIMeh4Pi7HkjTxmEeAB7OBjcWugLss5c0wOAnP17DUKqnRQOp6ek8JNiSWE5t9lxRbfED.UoAwq3tO1"
    }
    mailbox "info" {
      display_name  = "Ufficio Informazioni"
      quota         = "4GB"
      services      = ["imap", "smtp"]
      password_hash = "{SHA512-CRYPT}$6$YuchgU2bTbk1uhkL$8p5DaTPPmkzg7W2P/WUSuElHrQVexbU.LA66mnWGghJZSJYgFxpWV1YOc8hbwcE9gGq/ANMEXn2P2owR6fxx01"
      send_limit    = 1000
      forward {
        to = ["boss@example.org"]
      }
    }
    mailbox "mario" {
      display_name  = "Mario Rossi; Vendite"
      password_hash = "{SHA512-CRYPT}$6$snyCTuwqAPzPO.L9$neOZ.5ODF64qv081ZpNccAsPGIfEnV/iEhVP3DI0LULiZV8MvClS9oGsVEGW3h8bSW2ReyxVNnT/ZRDJLoD6g0"
    }
    mailbox "lucia" {
      display_name  = "Lucia è \"qui\""
      password_hash = "{SHA512-CRYPT}$6$.G2LR/zESoQdfJ9l$OjWzzOjZXi5elM9atEyvr0CN5cq8hBAzVHcWB8h9tQBWP2vq15gpfkaavAVWTX40f5QxLMu3Aqh5PUww22lOQ."
      enabled       = false
    }
    # Imported switched off: domain acme.example allows 2 mailboxes (max_mailboxes).
    mailbox "anna" {
      display_name  = "Anna"
      password_hash = "{SHA512-CRYPT}$6$s6HSIKWZqNTKkUOZ$iooZOl/t6iI6zgtYoHwnWI4Ni4AGgoj/PJE/fLPinMNQkEesWso5zaF65Efu2UxHLE37wF/BvC.bBqRZLAhli."
      enabled       = false
    }
    # Imported switched off: domain acme.example allows 2 mailboxes (max_mailboxes).
    mailbox "beppe" {
      display_name  = "Beppe"
      password_hash = "{SHA512-CRYPT}$6$oRyiTT6.YhM4sBG7$aZ7CWWv/T4NEMln9dCJ0OnJeY9DcWtJySrTcrvwDv7uABx1yWrH7huAs9vLQ7PUp3kCIuQWa.kgDbVbbgtfxh."
      enabled       = false
    }
  }
  domain "big.example" {
    postmaster {
      password_hash = "{SHA512-CRYPT}$6$/XM2qSRe3cZ0DQq6$v6a9Di6alP/H7DAXM3dFhG7kstGgDm1IuORMhmz6oXXrrOQFkiTC8JQCobWEW.UiI3E85ufWQVaGHIS..oDG81"
    }
  }
}
