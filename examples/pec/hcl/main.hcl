# Certified mail (PEC) on customer domains, served by the PEC provider's MX.
# Where cert.<domain> is not a zone of its own, the MX goes into the
# domain's zone as "cert"; where it is a delegated zone, at that zone's apex.
# Either way every authoritative server must answer it before activation.

platform {
  name            = "Example Mail"
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"

  mx "mx1.example.net" {
    priority = 10
  }
}

reseller {
  ipv4 = "203.0.113.10"
}

dns_provider "bind" {
  type        = "rfc2136"
  server      = "ns1.example.net:53"
  tsig_key    = "mailform"
  tsig_secret = env("MAILFORM_TSIG_SECRET")
}

tenant "studio-legale" {
  display_name = "Studio Legale Neri"

  # Case 1: cert.studio-neri.example is not a zone of its own:
  #   cert.studio-neri.example. IN MX 10 mx.cert.legalmail.it.
  domain "studio-neri.example" {
    dns = "bind"

    pec {
      placement = "parent"
    }

    mailbox "avvocato" {
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }
  }
}

tenant "comune" {
  display_name = "Comune di Esempio"

  # Case 2: cert.comune-esempio.example is a delegated zone on the same
  # servers:
  #   @ IN MX 10 mx.cert.legalmail.it.   (in zone cert.comune-esempio.example)
  domain "comune-esempio.example" {
    dns = "bind"

    pec {
      placement = "delegated"
      dns       = "bind"
      host      = "mx.cert.legalmail.it"
      priority  = 10
    }

    mailbox "protocollo" {
      password_hash = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"
    }

    # The delegation itself lives in the parent zone.
    record {
      name  = "cert"
      type  = "NS"
      value = "ns1.example.net."
    }
  }
}
