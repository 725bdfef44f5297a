// Settings that point a bot at a sandbox Open Platform (the demo and the tests).
export const SANDBOX_APP = {
  appId: 'cli_a1b2c3d4e5f60718',
  appSecret: 'sandbox-app-secret',
  encryptKey: 'sandbox-encrypt-key',
  verificationToken: 'sandbox-verification-token',
  teamChat: 'oc_sandbox_team_chat',
};

/** Environment for a bot on `databasePath`, talking to the sandbox at `sandboxUrl`, on a free port. */
export function sandboxEnv(sandboxUrl: string, databasePath: string): Record<string, string> {
  return {
    FEISHU_APP_ID: SANDBOX_APP.appId,
    FEISHU_APP_SECRET: SANDBOX_APP.appSecret,
    FEISHU_ENCRYPT_KEY: SANDBOX_APP.encryptKey,
    FEISHU_VERIFICATION_TOKEN: SANDBOX_APP.verificationToken,
    FEISHU_DOMAIN: sandboxUrl,
    PORT: '0',
    DATABASE_URL: `file:${databasePath}`,
    NOTIFY_CHAT_IDS: SANDBOX_APP.teamChat,
  };
}
