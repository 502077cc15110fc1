import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AnyRecord, RecordKind } from '@app/recording';
import { RecordingService, type RecordContext, type RecordOutcome } from './recording.service.js';

/** The imperative name of each kind's command, and what it does (for the API documentation). */
export const RECORD_COMMANDS: Record<RecordKind, { name: string; summary: string }> = {
  district: { name: 'RegisterDistrict', summary: '登记区 Register a district (official division code)' },
  station: { name: 'RegisterStation', summary: '登记社工站 Register a station with its 片区 and 社区; with effectiveFrom, re-draw them for a new contract year' },
  contract: { name: 'SignContract', summary: '服务协议 Sign a contract: 采购项目编号, period, budget, 协议指标量' },
  contract_amended: { name: 'AmendContractTargets', summary: '协议指标调整 Amend contract targets, with a reason' },
  phone_contact: { name: 'RecordPhoneContact', summary: '电访 Record a phone contact (a one-way SMS is not effective)' },
  home_visit: { name: 'RecordHomeVisit', summary: '探访/入户探访 Record a home visit (entered or not)' },
  consult_case_closed: { name: 'CloseConsultationCase', summary: '咨询个案结案 Record a closed consultation case' },
  case_opened: { name: 'OpenCase', summary: '专业个案接案 Open a professional case (needs 知情同意 on or before the opening)' },
  case_session: { name: 'RecordCaseSession', summary: '专业个案服务节 Record a session of an open case' },
  case_closed: { name: 'CloseCase', summary: '专业个案结案 Close an open case' },
  group_formed: { name: 'FormGroup', summary: '小组 Form a group' },
  group_session: { name: 'RecordGroupSession', summary: '小组节 Record a session of a formed group, with attendance (人次)' },
  activity: { name: 'HoldCommunityActivity', summary: '社区活动 Record a large (大型) or small/medium (中小型) community activity' },
  regular_service: { name: 'RecordRegularService', summary: '恒常服务 Record a regular service' },
  outreach: { name: 'RecordOutreach', summary: '外展 Record an outreach, with persons reached' },
  volunteer_registered: { name: 'RegisterVolunteer', summary: '新登记志愿者 Register a volunteer (once)' },
  volunteer_core: { name: 'MakeVolunteerCore', summary: '志愿者骨干 Make a volunteer a core member' },
  volunteer_team_formed: { name: 'FormVolunteerTeam', summary: '新增志愿者队伍 Form a volunteer team' },
  volunteer_training: { name: 'HoldVolunteerTraining', summary: '志愿者培训 Record a volunteer training (通用性/活动性)' },
  resource_linked: { name: 'LinkResource', summary: '资源链接 Record a linked resource (money, goods, venue) in 元' },
  household_archived: { name: 'ArchiveHousehold', summary: '建档 一户一档 Archive a household (once) with its risk level (分级评估)' },
  household_reassessed: { name: 'ReassessHousehold', summary: '分级评估 Re-assess an archived household\'s risk level' },
  correction: { name: 'CorrectRecord', summary: '更正/作废 Correct (replace) or void an earlier service record or correction, with a reason' },
};

/**
 * Every kind's command is a subclass named after it (RecordPhoneContact, OpenCase, …): the bus
 * finds the one handler through the base class, so all of them take the same decide path as imports.
 */
export class RecordCommand {
  constructor(
    readonly record: AnyRecord,
    readonly context: RecordContext,
  ) {}
}

const commandClasses = new Map<RecordKind, typeof RecordCommand>();

export function commandFor(kind: RecordKind): typeof RecordCommand {
  let command = commandClasses.get(kind);
  if (!command) {
    command = class extends RecordCommand {};
    Object.defineProperty(command, 'name', { value: RECORD_COMMANDS[kind].name });
    commandClasses.set(kind, command);
  }
  return command;
}

@CommandHandler(RecordCommand)
export class RecordHandler implements ICommandHandler<RecordCommand, RecordOutcome> {
  constructor(@Inject(RecordingService) private readonly recording: RecordingService) {}

  execute(command: RecordCommand): Promise<RecordOutcome> {
    return this.recording.record(command.record, command.context);
  }
}
