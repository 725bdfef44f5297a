// Applinks that open an approval instance in the Feishu / Lark client (FEISHU-NOTES §5).
export type Brand = 'feishu' | 'lark';

const APPROVAL_APP = {
  feishu: { host: 'https://applink.feishu.cn', appId: 'cli_9cb844403dbb9108' },
  lark: { host: 'https://applink.larksuite.com', appId: 'cli_9c7cc8a9a9edd105' },
} as const;

export interface ApprovalLinks {
  pc: string;
  mobile: string;
}

export function approvalLinks(instanceCode: string, brand: Brand): ApprovalLinks {
  const { host, appId } = APPROVAL_APP[brand];
  const link = (path: string) =>
    `${host}/client/mini_program/open?appId=${appId}&mode=appCenter&path=${encodeURIComponent(path)}`;
  const code = encodeURIComponent(instanceCode);
  return {
    pc: link(`pc/pages/in-process/index?instanceId=${code}`),
    mobile: link(`pages/detail/index?instanceId=${code}`),
  };
}
