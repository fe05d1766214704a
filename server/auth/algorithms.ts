/** The JWS algorithms accepted from clients and external issuers: asymmetric only (no `none`, no shared secrets). */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
