import { formatDecisionCommit, formatOverrideCommit } from '../core/commit-message';
import type { CommitMessages } from './ports';

/** The loop's commit messages: src/core/commit-message.ts, redacted before they reach git. */
export function coreCommitMessages(redact?: (text: string) => string): CommitMessages {
  const options = redact ? { redact } : {};
  return {
    forDecisions: (decisions) => formatDecisionCommit(decisions, options),
    forOverride: (o) => formatOverrideCommit(o, options),
  };
}
