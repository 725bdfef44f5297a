// The example bodies of the two seed pages (../shared/seeds/), as Feishu documents them,
// and copies with the identity fields a real push carries filled in.
export const REMEDY_SEED_EXAMPLE = {
  schema: '2.0',
  header: {
    event_id: '',
    token: '',
    event_type: 'approval.instance.remedy_group_update_v4',
    app_id: 'cli_xxx',
    tenant_key: 'xxx',
    event_create_time: '1502199207.7171419',
  },
  event: {
    object: {
      type: 'remedy_approval_v2',
      instance_code: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB',
      employee_id: 'g12xxxxg',
      start_time: 1661333019,
      end_time: 1661333019,
      remedy_time: 1661333019,
      remedy_reason: '',
      status: 'APPROVED',
    },
  },
};

export const SHIFT_SEED_EXAMPLE = {
  ts: '1502199207.7171419',
  uuid: 'bc447199585340d1f3728d26b1c0297a',
  token: '41a9425ea7df4536a7623e38fa321bae',
  type: 'event_callback',
  event: {
    app_id: 'cli_xxx',
    tenant_key: 'xxx',
    type: 'shift_approval',
    instance_code: '99E91302-17F7-4FE2-1234-F4E73Axxx',
    approval_code: '5B432123-848C-49BD-1234-11EF0Exxx',
    employee_id: 'xxx',
    open_id: 'ou_xxx',
    start_time: 1502199207,
    end_time: 1502199307,
    shift_time: '2018-12-01 12:00:00',
    return_time: '2018-12-02 12:00:00',
    shift_reason: 'xxx',
  },
};

export interface PushIdentity {
  appId: string;
  token?: string;
  eventId?: string;
}

/** The remedy seed as this app would receive it: its event id, app id and token. */
export function remedySeedEvent(identity: PushIdentity, object: Record<string, unknown> = {}) {
  const body = structuredClone(REMEDY_SEED_EXAMPLE) as typeof REMEDY_SEED_EXAMPLE & { event: { object: Record<string, unknown> } };
  body.header.event_id = identity.eventId ?? `ev_${crypto.randomUUID().replaceAll('-', '')}`;
  body.header.app_id = identity.appId;
  body.header.token = identity.token ?? '';
  Object.assign(body.event.object, object);
  return body;
}

/** The shift seed as this app would receive it. */
export function shiftSeedEvent(identity: PushIdentity, event: Record<string, unknown> = {}) {
  const body = structuredClone(SHIFT_SEED_EXAMPLE) as typeof SHIFT_SEED_EXAMPLE & { event: Record<string, unknown> };
  body.uuid = identity.eventId ?? crypto.randomUUID().replaceAll('-', '');
  body.event.app_id = identity.appId;
  body.token = identity.token ?? '';
  Object.assign(body.event, event);
  return body;
}
