// A real OpenID Connect provider (the `oidc-provider` package) for the single sign-on tests.
//
//   node tests/accounts/oidc_provider_server.mjs
//
// Configured from the environment:
//   OIDC_PORT            loopback port to listen on (the issuer is http://127.0.0.1:PORT)
//   OIDC_CLIENT_ID       the relying party's client id (default "due-diligence")
//   OIDC_CLIENT_SECRET   its client secret
//   OIDC_REDIRECT_URIS   space-separated redirect URIs registered for the client
//
// Its development login screen accepts any login (an e-mail address) with any password. The
// account's claims follow the login: "unverified..." logins have email_verified false.
//
// Besides the client above, three clients sign their ID tokens in ways a relying party must refuse,
// each re-signed by this issuer after the provider made it:
//   <client>-wrong-audience   aud names another client
//   <client>-expired          exp and iat lie an hour and more in the past
//   <client>-bad-signature    signed by a key that is not in the issuer's JWKS (same kid)
import { generateKeyPairSync } from 'node:crypto';

import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID || 'due-diligence';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'a-test-client-secret-of-enough-length';
const redirectUris = (process.env.OIDC_REDIRECT_URIS || 'http://testserver/accounts/sso/callback/')
  .split(/\s+/)
  .filter(Boolean);

const KID = 'test-signing-key';
const signingJwk = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: KID,
  alg: 'RS256',
  use: 'sig',
};
const foreignJwk = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: KID,
};

const TAMPERED = ['wrong-audience', 'expired', 'bad-signature'];
const client = (id) => ({
  client_id: id,
  client_secret: clientSecret,
  redirect_uris: redirectUris,
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client(clientId), ...TAMPERED.map((t) => client(`${clientId}-${t}`))],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-cookie-key-not-secret'] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Scope claims go into the ID token itself, as many hospital identity providers do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: !id.startsWith('unverified'),
          name: id.split('@')[0],
        };
      },
    };
  },
  // A first-party application: no consent screen after the login.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

async function resign(idToken, kind) {
  const claims = decodeJwt(idToken);
  const header = decodeProtectedHeader(idToken);
  let key = await importJWK(signingJwk, 'RS256');
  if (kind === 'wrong-audience') {
    claims.aud = 'another-application';
  } else if (kind === 'expired') {
    const now = Math.floor(Date.now() / 1000);
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  } else if (kind === 'bad-signature') {
    key = await importJWK(foreignJwk, 'RS256');
  }
  return new SignJWT(claims).setProtectedHeader({ ...header, kid: KID }).sign(key);
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) {
    return;
  }
  const kind = TAMPERED.find((t) => ctx.oidc?.client?.clientId === `${clientId}-${t}`);
  if (kind) {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, kind) };
  }
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
