// Whether Feishu accepts the app's credentials (FEISHU_APP_ID / FEISHU_APP_SECRET). A wrong secret
// otherwise shows only as every send failing for a day; here it is one clear error at start, a
// failed /readyz until it is fixed, and a retry that notices the fix.

export type CredentialState =
  | { state: 'unchecked' }
  | { state: 'accepted' }
  | { state: 'rejected'; code: number; message: string }
  /** Feishu could not be asked (network, timeout, 5xx): says nothing about the credentials. */
  | { state: 'unreachable'; message: string };

/**
 * The SDK throws `failed to get tenant_access_token, code: 10014, msg: app secret invalid` when
 * the token endpoint answers with a business code. Any such code is a refusal of the credentials
 * (10003 invalid app_id, 10014 wrong secret, …); anything else is a failure to ask.
 */
export function tokenRefusal(error: unknown): { code: number; message: string } | undefined {
  const text = error instanceof Error ? error.message : String(error);
  const match = /failed to get (?:tenant|app)_access_token, code: (-?\d+), msg: ?(.*)$/s.exec(text);
  if (!match) return undefined;
  const code = Number(match[1]);
  return code === 0 ? undefined : { code, message: match[2]!.trim() };
}

/** The setting an operator should look at for a refusal code. */
export function settingToFix(code: number): string {
  // 10014: the secret does not belong to the app id. 10003 and the rest: the app id itself (or
  // the pair) is unknown to Feishu — or the app is on the other brand (FEISHU_DOMAIN).
  return code === 10014 ? 'FEISHU_APP_SECRET' : 'FEISHU_APP_ID and FEISHU_APP_SECRET (and FEISHU_DOMAIN: feishu or lark)';
}

export function describeRefusal(code: number, message: string): string {
  return (
    `Feishu rejected the app credentials (code ${code}${message ? `: ${message}` : ''}): check ${settingToFix(code)} ` +
    "against the app's Credentials & Basic Info page. Events are still received and stored; cards wait until the credentials work."
  );
}
