-- Municipalities as tenants, the clients registered for each, and what token issuing must remember.

-- A municipality, identified by its organisasjonsnummer (check digits validated by the server).
CREATE TABLE tenant (
  id          text        PRIMARY KEY,
  name        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A registered client: one system of one vendor or patient-record supplier for one municipality.
-- role: vendor | epj | admin. Keys: a JWKS inline or the URL it is published at.
CREATE TABLE client (
  id             text        PRIMARY KEY,
  tenant         text        NOT NULL REFERENCES tenant (id),
  name           text        NOT NULL,
  role           text        NOT NULL CHECK (role IN ('vendor', 'epj', 'admin')),
  service_codes  text[]      NOT NULL DEFAULT '{}',
  scopes         text[]      NOT NULL,
  jwks           jsonb,
  jwks_uri       text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (jwks IS NOT NULL OR jwks_uri IS NOT NULL)
);
CREATE INDEX client_by_tenant ON client (tenant);

-- Client assertions already used (RFC 7523 jti), kept until they would have expired anyway.
CREATE TABLE used_assertion (
  client_id   text        NOT NULL,
  jti         text        NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- The keys this server signs access tokens with; the newest unretired one signs, all verify.
CREATE TABLE signing_key (
  kid          text        PRIMARY KEY,
  private_jwk  jsonb       NOT NULL,
  public_jwk   jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  retired_at   timestamptz
);
