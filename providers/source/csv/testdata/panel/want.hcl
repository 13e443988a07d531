== acme.example.hcl
# Imported by mailform import.

tenant "acme.example" {
  domain "acme.example" {
    postmaster {
      password_hash = "{SHA512-CRYPT}$6$r6HUq7HWnFR5jr95$jEsvjuzbiHXuMbsQE8J26NTaCFvAc38d7N/LwE2Y72m.sdOzFErC9mKCAv/zdIJFx0E.8dUxBU78r.Z8pQVzl0"
    }
    alias_domain "acmé.example" {
    }
    mailbox "info" {
      password_hash = "{SHA512-CRYPT}$6$czkGmaEw9lujK8yp$4768vdzti.EPQMJ90hRDUwD56Q.oz9SGhivm/QQ14rqKTJMEwWGpJNDNO4JSJOOJueMiGJfHpN1Q/BIeTb05R0"
    }
    mailbox "mario.rossi" {
      password_hash = "{MD5-CRYPT}$1$abcdefgh$ZTn3yN4GUjRcm5ftJRgF/."
    }
    alias "sales" {
      to = ["info@acme.example", "mario.rossi@acme.example"]
    }
  }
}
== shop.example.hcl
# Imported by mailform import.

tenant "shop.example" {
  domain "shop.example" {
    postmaster {
      password_hash = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"
    }
    mailbox "orders" {
      password_hash = "{BLF-CRYPT}$2y$05$TzDdsj8FUkfNHHF4CbJc5OYp05.nwSZt7m1kFRxUeU6DyVvUVe5/G"
    }
    alias "team" {
      to = ["orders@shop.example", "boss@example.org"]
    }
  }
}
