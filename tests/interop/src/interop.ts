// A client of kylin-points in another language: it starts the workflows by
// name with the JSON input docs/contract.md documents, as another team's
// service would, and prints what it got back as one JSON object on stdout.
// interop_test.go runs it against a real server and checks every field.
//
// Usage: node dist/interop.js '<settings JSON>' (see Settings).
import {
  ApplicationFailure,
  Client,
  Connection,
  TemporalFailure,
  WorkflowFailedError,
  WorkflowHandle,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
} from '@temporalio/client';

interface Settings {
  address: string;
  namespace: string;
  taskQueue: string;
  // run makes this run's workflow IDs unique.
  run: string;
  // Members of the sandbox: one per run below, so that each account shows one story.
  redeemMember: string;
  cancelMember: string;
  freezeMember: string;
  poorMember: string;
}

// Status is the RedemptionStatus as JSON; only the fields the script reads are typed.
interface Status {
  workflowId: string;
  state: string;
  [field: string]: unknown;
}

// Refusal is what the script reports of an error: the SDK's error class and
// the ApplicationFailure under it.
interface Refusal {
  error: string;
  type?: string;
  message: string;
}

const deadlineMs = 90_000;

async function main(): Promise<void> {
  const cfg: Settings = JSON.parse(process.argv[2] ?? '{}');
  const connection = await Connection.connect({ address: cfg.address });
  try {
    const client = new Client({ connection, namespace: cfg.namespace });
    const out = await scenario(client, cfg);
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await connection.close();
  }
}

async function scenario(client: Client, cfg: Settings): Promise<Record<string, unknown>> {
  // One business request, one workflow ID: never run an ID twice.
  const start = (workflowType: string, workflowId: string, input: object) =>
    client.workflow.start(workflowType, {
      taskQueue: cfg.taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    });
  const out: Record<string, unknown> = {};

  // A redemption, confirmed.
  const redeemId = `redeem-ts-${cfg.run}`;
  const order = { memberId: cfg.redeemMember, points: 5, description: 'TypeScript order 1001' };
  const redemption = await start('RedemptionWorkflow', redeemId, order);
  out.frozen = await settledFreeze(redemption);
  out.confirmed = await redemption.executeUpdate('confirm', { updateId: 'confirm', args: [{}] });
  out.result = await redemption.result();
  out.statusAfterEnd = await redemption.query('status');
  out.duplicateStart = await refusal(start('RedemptionWorkflow', redeemId, order));

  // Another, cancelled after a confirm for more points than frozen was refused.
  const cancelId = `redeem-ts-cancel-${cfg.run}`;
  const cancelled = await start('RedemptionWorkflow', cancelId, { memberId: cfg.cancelMember, points: 3, description: 'TypeScript order 1002' });
  // The sandbox answers freezes slowly in this test: a confirm sent at once
  // meets FREEZING and is rejected.
  out.confirmWhileFreezing = await refusal(cancelled.executeUpdate('confirm', { updateId: 'confirm-early', args: [{}] }));
  await settledFreeze(cancelled);
  out.confirmTooMuch = await refusal(cancelled.executeUpdate('confirm', { updateId: 'confirm-too-much', args: [{ points: 4 }] }));
  out.cancelled = await cancelled.executeUpdate('cancel', { updateId: 'cancel' });
  out.confirmAfterCancel = await refusal(cancelled.executeUpdate('confirm', { updateId: 'confirm', args: [{}] }));

  // Refused by the CRM: a result, not a failure.
  const poorId = `redeem-ts-poor-${cfg.run}`;
  out.refused = await (await start('RedemptionWorkflow', poorId, { memberId: cfg.poorMember, points: 50, description: 'too much' })).result();

  // The freeze step alone, and refused.
  const freezeId = `freeze-ts-${cfg.run}`;
  out.freeze = await (await start('FreezePointsWorkflow', freezeId, { memberId: cfg.freezeMember, points: 2, description: 'TypeScript freeze' })).result();
  const poorFreezeId = `freeze-ts-poor-${cfg.run}`;
  out.freezeRefused = await refusal(
    start('FreezePointsWorkflow', poorFreezeId, { memberId: cfg.poorMember, points: 50, description: 'too much' }).then((h) => h.result()),
  );
  return out;
}

// settledFreeze polls the status query until the freeze has settled.
async function settledFreeze(h: WorkflowHandle): Promise<Status> {
  for (;;) {
    const st: Status = await h.query('status');
    if (st.state !== 'FREEZING') {
      return st;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// refusal waits for p, which must fail, and says how.
async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (err) {
    const e = err as Error;
    // The first ApplicationFailure under the SDK's error: a workflow's own
    // failure, or an activity's under an ActivityFailure.
    let cause: unknown = e instanceof WorkflowFailedError || e instanceof WorkflowUpdateFailedError ? e.cause : undefined;
    while (cause instanceof TemporalFailure && !(cause instanceof ApplicationFailure)) {
      cause = cause.cause;
    }
    const failure = cause instanceof ApplicationFailure ? cause : undefined;
    return { error: e.name, type: failure?.type ?? undefined, message: failure?.message ?? e.message };
  }
  throw new Error('expected a refusal, got success');
}

const timer = setTimeout(() => {
  process.stderr.write(`interop: no answer within ${deadlineMs} ms\n`);
  process.exit(3);
}, deadlineMs);
main()
  .then(() => clearTimeout(timer))
  .catch((err) => {
    process.stderr.write(`interop: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
