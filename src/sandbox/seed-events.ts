// The example bodies of the two seed pages (../shared/seeds/), as Feishu documents them,
// and copies with the identity fields a real push carries filled in.
import { revertEventTypeFor } from '../approvals/revert.js';
import type { ApprovalKindName } from '../approvals/types.js';

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

// The attendance approvals of FEISHU-NOTES §9, as their pages document them
// (open.feishu.cn/document/server-docs/approval-v4/event/special-event/{leave, out-of-office,
// overtime, business-trip}), with the ids of the pages' samples.

/** leave_approvalV2, the page's newer sample: i18n_resources and leave_range printed as text. */
export const LEAVE_SEED_EXAMPLE = {
  ts: '1502199207.7171419',
  uuid: 'bc447199585340d1f3728d26b1c0297a',
  token: '41a9425ea7df4536a7623e38fa321bae',
  type: 'event_callback',
  event: {
    app_id: 'cli_9e28cb7ba56a1234',
    approval_code: '59558CEE-CEF4-45C9-1234-UVDE8BEC1234',
    instance_code: 'CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234',
    start_time: 1589527346,
    end_time: 1589527354,
    i18n_resources: '[{is_default=true,locale=zh_cn,texts={@i18n@7276381556766212099=事假}}]',
    leave_name: '@i18n@7276381556766212099',
    leave_certification: [],
    leave_detail: '[[2024-09-05 13:30:00,2024-09-05 18:00:00],[2024-09-06 09:00:00,2024-09-06 18:00:00]]',
    leave_difficult_labour: '',
    leave_family_relation_type: '',
    leave_start_time: '2024-09-05 00:00:00',
    leave_end_time: '2024-09-07 00:00:00',
    leave_feeding_arrive_late: 0,
    leave_feeding_leave_early: 0,
    leave_feeding_rest_daily: 0,
    leave_infant_num: '',
    leave_interval: 129600,
    leave_pregnancy_age: '',
    leave_pregnancy_check_up: '',
    leave_premarital_check_up: '',
    leave_range: '[[2024-09-05 13:30:00,2024-09-05 18:00:00],[2024-09-06 09:00:00,2024-09-06 18:00:00]]',
    leave_reason: '请假审批',
    leave_unit: 'HALF_DAY',
    user_id: 'g6964xxx',
    open_id: 'ou_xxx',
    origin_instance_code: '',
    tenant_key: 'bd6ae59e1xxx',
    type: 'leave_approvalV2',
  },
};

/** leave_approval, which Feishu sends for the same leave beside leave_approvalV2 (another uuid). */
export const LEAVE_V1_SEED_EXAMPLE = {
  ts: '1502199207.7171419',
  uuid: 'bc447199585340d1f3728d26b1c0297b',
  token: '41a9425ea7df4536a7623e38fa321bae',
  type: 'event_callback',
  event: {
    app_id: 'cli_9e28cb7ba56a1234',
    approval_code: '59558CEE-CEF4-45C9-1234-UVDE8BEC1234',
    instance_code: 'CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234',
    employee_id: 'g6964xxx',
    open_id: 'ou_xxx',
    start_time: 1589527346,
    end_time: 1589527354,
    leave_type: '事假',
    leave_start_time: '2024-09-05 12:00:00',
    leave_end_time: '2024-09-07 00:00:00',
    leave_interval: 129600,
    leave_unit: 2,
    leave_reason: '请假审批',
    tenant_key: 'bd6ae59e1xxx',
    type: 'leave_approval',
  },
};

export const OUT_SEED_EXAMPLE = {
  ts: '1502199207.7171419',
  uuid: 'bc447199585340d1f3728d26b1c0297a',
  token: '41a9425ea7df4536a7623e38fa321bae',
  type: 'event_callback',
  event: {
    app_id: 'cli_9e28cb7ba56a100e',
    i18n_resources: ['{"is_default":true,"locale":"zh_cn","texts":{"@i18n@someKey":"中文文案"}}'],
    instance_code: '59558CEE-CEF4-45C9-A2C3-DCBF8BEC7341',
    approval_code: '48558CEF-CEF4-45C9-A2C3-DCBF8BEC7341',
    out_image: '',
    out_interval: 10800,
    out_name: '@i18n@someKey',
    out_reason: '外出事由',
    out_start_time: '2020-05-15 15:00:00',
    out_end_time: '2020-05-15 18:00:00',
    out_unit: 'HOUR',
    start_time: 1589527346,
    end_time: 1589527354,
    tenant_key: '2d520d3b434f175e',
    type: 'out_approval',
    open_id: 'ou_xxx',
    user_id: 'g6964gd3',
  },
};

export const OVERTIME_SEED_EXAMPLE = {
  ts: '1502199207.7171419',
  uuid: 'bc447199585340d1f3728d26b1c0297a',
  token: '41a9425ea7df4536a7623e38fa321bae',
  type: 'event_callback',
  event: {
    allow_multi_time_range: 1,
    app_id: 'cli_xxx',
    approval_code: '5B432123-848C-49BD-1234-11EF0Exxx',
    instance_code: '99E91302-17F7-4FE2-1234-F4E73Axxx',
    employee_id: 'xxx',
    open_id: 'ou_xxx',
    end_time: 1741576430,
    start_time: 1741576408,
    tenant_key: 'bd6ae59exxx',
    time_range: [{ work_start_time: '2018-12-01 12:00:00', work_end_time: '2018-12-02 12:00:00' }],
    type: 'work_approval',
    work_detail: [{ start: '2018-12-01 00:00', end: '2018-12-01 00:00', rule_associated: 2, interval: 43200 }],
    work_start_time: '2018-12-01 12:00:00',
    work_end_time: '2018-12-02 12:00:00',
    work_interval: 7200,
    work_multi_imitate_users: null,
    work_reason: '提交加班',
    work_type: 'xxx',
  },
};

/** The trip page's sample (its JSON has a stray full-width comma; this is what it means). */
export const TRIP_SEED_EXAMPLE = {
  schema: '2.0',
  header: {
    event_id: 'b53e80a132ec090ba249a8bb74da0123',
    token: 'ijuh4XAlBSRUIwhBFtLDSfWnIC61234',
    event_type: 'approval.instance.trip_group_update_v4',
    app_id: 'cli_xxx',
    tenant_key: 'd6ae59e175fxxx',
    event_create_time: '1502199207.7171419',
  },
  event: {
    object: {
      type: 'APPROVED',
      instance_code: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB',
      start_user: { id: { user_id: 'abc456', open_id: 'ou_0e188d8010729123', union_id: 'on_445705689d4d112' } },
      start_time: '1661333019',
      end_time: '1661333029',
      schedules: [
        {
          trip_start_time: '2022-08-25 12:00:00',
          trip_end_time: '2022-09-01 00:00:00',
          trip_interval: '561600',
          departure: '中国/北京市/北京市/朝阳区',
          departure_id: '6c758b5dc54930abc7a454c7477d3496cfca0a62fd941e0093b2d819e0e263a6',
          destination: '美国',
          destination_ids: ['dcb23aebd41ad8a8aabf3f6a72fa8fabed7fae73b662d332a4a7d411d6f2312e'],
          transportation: '飞机',
          trip_type: '往返',
          remark: 'text demo',
        },
      ],
      trip_interval: '561600',
      trip_reason: 'test',
      trip_peers: [{ id: { user_id: 'abc123', open_id: 'ou_0e188d8010729321', union_id: 'on_445705689d4d132' } }],
    },
  },
};

type V1Body = { uuid: string; token: string; event: Record<string, unknown> };
type V2Body = { header: { event_id: string; app_id: string; token: string }; event: { object: Record<string, unknown> } };

function v1Event<T extends V1Body>(example: T, identity: PushIdentity, event: Record<string, unknown>): T {
  const body = structuredClone(example);
  body.uuid = identity.eventId ?? crypto.randomUUID().replaceAll('-', '');
  body.event.app_id = identity.appId;
  body.token = identity.token ?? '';
  Object.assign(body.event, event);
  return body;
}

function v2Event<T extends V2Body>(example: T, identity: PushIdentity, object: Record<string, unknown>): T {
  const body = structuredClone(example);
  body.header.event_id = identity.eventId ?? `ev_${crypto.randomUUID().replaceAll('-', '')}`;
  body.header.app_id = identity.appId;
  body.header.token = identity.token ?? '';
  Object.assign(body.event.object, object);
  return body;
}

/** The leave_approvalV2 seed as this app would receive it. */
export const leaveSeedEvent = (identity: PushIdentity, event: Record<string, unknown> = {}) => v1Event(LEAVE_SEED_EXAMPLE, identity, event);
/** The leave_approval seed (its twin) as this app would receive it. */
export const leaveV1SeedEvent = (identity: PushIdentity, event: Record<string, unknown> = {}) => v1Event(LEAVE_V1_SEED_EXAMPLE, identity, event);
export const outSeedEvent = (identity: PushIdentity, event: Record<string, unknown> = {}) => v1Event(OUT_SEED_EXAMPLE, identity, event);
export const overtimeSeedEvent = (identity: PushIdentity, event: Record<string, unknown> = {}) => v1Event(OVERTIME_SEED_EXAMPLE, identity, event);
export const tripSeedEvent = (identity: PushIdentity, object: Record<string, unknown> = {}) => v2Event(TRIP_SEED_EXAMPLE, identity, object);

/**
 * A revocation (通过并撤销) as Feishu pushes it (v1 envelope). leave/out/work_approval_revert per
 * FEISHU-NOTES §9 — their bodies carry at least these fields, the operation time's name is
 * unconfirmed; the kinds without a documented revert event get the generic approval_instance
 * status event, status REVERTED.
 */
export function revertSeedEvent(kind: ApprovalKindName, identity: PushIdentity, event: Record<string, unknown> = {}) {
  const type = revertEventTypeFor(kind);
  return v1Event(
    {
      ts: '1502199207.7171419',
      uuid: '',
      token: '',
      type: 'event_callback',
      event: {
        type,
        app_id: '',
        tenant_key: 'bd6ae59exxx',
        approval_code: '59558CEE-CEF4-45C9-1234-UVDE8BEC1234',
        instance_code: 'CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234',
        operate_time: '1589527354',
        ...(type === 'approval_instance' ? { status: 'REVERTED' } : {}),
      } as Record<string, unknown>,
    },
    identity,
    event,
  );
}


/** Each kind's seed, for the CLI: builds the event with `fields` set among the event's own fields. */
export const SEED_EVENTS: Record<ApprovalKindName, (identity: PushIdentity, fields?: Record<string, unknown>) => Record<string, unknown>> = {
  remedy: remedySeedEvent,
  shift: shiftSeedEvent,
  leave: leaveSeedEvent,
  out: outSeedEvent,
  overtime: overtimeSeedEvent,
  trip: tripSeedEvent,
};

/** The fields of a seed body built by SEED_EVENTS (`event`, or `event.object` in v2 bodies). */
export function seedFields(body: Record<string, unknown>): Record<string, unknown> {
  const event = (body.event ?? {}) as Record<string, unknown>;
  return (typeof event.object === 'object' && event.object !== null ? event.object : event) as Record<string, unknown>;
}
