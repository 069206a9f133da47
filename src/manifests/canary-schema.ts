import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { FLAGGER_CRD_YAML } from './flagger-crd';
import { formatPath, type FieldPath } from './manifest-source';

/**
 * Validates a whole Canary object (plain JS, as `Document.toJS()` gives it) the way the API server
 * would before Flux can apply it: against the served version's `openAPIV3Schema` of Flagger's CRD
 * (vendored in flagger-crd.ts), compiled once with ajv, plus MAESTRO's own weight rules, which the
 * CRD leaves open but Flagger's scheduler relies on.
 *
 * Kubernetes extensions, as the API server treats them:
 * - `x-kubernetes-int-or-string: true`: an integer or a string (checked here).
 * - `x-kubernetes-validations` (CEL rules): not evaluated; they guard Gateway API references this
 *   editor never touches.
 * - `format`: not checked. This CRD only uses `string`, `url` and `int32`, which the API server's
 *   format registry does not check for custom resources either.
 * - Unknown fields are allowed (the API server prunes them); the editors only write known ones.
 */

/** One reason an object fails the schema: `spec.analysis` and what is wrong there. */
export interface SchemaProblem {
  /** `spec.analysis.webhooks[0].url` */
  readonly path: string;
  /** the same path as keys and indexes */
  readonly at: FieldPath;
  readonly message: string;
}

/** Weights are percentages of traffic (Flagger's total weight is 100: scheduler.go totalWeight). */
const WEIGHT_MAX = 100;

let validator: ValidateFunction | undefined;

function canaryValidator(): ValidateFunction {
  if (validator !== undefined) return validator;
  const crd = parseAllDocuments(FLAGGER_CRD_YAML)
    .map((d) => d.toJS() as CrdObject)
    .find((o) => o?.spec?.names?.kind === 'Canary');
  const version = crd?.spec?.versions?.find((v) => v.served === true);
  const schema = version?.schema?.openAPIV3Schema;
  if (schema === undefined) throw new Error('the vendored Flagger CRD has no served Canary schema');
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
    verbose: true,
    logger: false,
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (on: boolean, data: unknown) => !on || typeof data === 'string' || Number.isInteger(data),
    errors: false,
  });
  validator = ajv.compile(schema);
  return validator;
}

interface CrdObject {
  spec?: {
    names?: { kind?: string };
    versions?: { served?: boolean; schema?: { openAPIV3Schema?: object } }[];
  };
}

/** Every problem with `canary`; empty when Flux could apply it and Flagger would run it. */
export function canarySchemaProblems(canary: unknown): SchemaProblem[] {
  const validate = canaryValidator();
  const problems = validate(canary) ? [] : describeErrors(validate.errors ?? []);
  return [...problems, ...weightProblems(canary)];
}

function jsonPointerToPath(pointer: string): FieldPath {
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function problem(at: FieldPath, message: string): SchemaProblem {
  return { path: formatPath(at), at, message };
}

function describeErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  // The branches of a failed oneOf report their own errors too; the oneOf error says it better.
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const kept = errors.filter(
    (e) => e.keyword !== 'if' && !oneOfPaths.some((p) => e.schemaPath.startsWith(p)),
  );
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of kept) {
    const problem = describeError(e);
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function describeError(e: ErrorObject): SchemaProblem {
  const at = jsonPointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return problem([...at, (e.params as { missingProperty: string }).missingProperty], 'is required');
    case 'oneOf':
      return problem(at, describeOneOf(e));
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      return problem(at, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
    }
    case 'x-kubernetes-int-or-string':
      return problem(at, 'must be an integer or a string');
    default:
      return problem(at, e.message ?? e.keyword);
  }
}

/** Flagger's analysis oneOf: "exactly one of iterations, stepWeight, stepWeights (with interval, threshold)". */
function describeOneOf(e: ErrorObject): string {
  const branches = Array.isArray(e.schema) ? (e.schema as { required?: string[] }[]) : [];
  const lists = branches.map((b) => b.required);
  if (lists.length === 0 || lists.some((l) => !Array.isArray(l) || Object.keys(branches[0]!).length !== 1)) {
    return 'must match exactly one of the alternatives the CRD allows';
  }
  const common = lists[0]!.filter((k) => lists.every((l) => l!.includes(k)));
  const choices = lists.map((l) => l!.filter((k) => !common.includes(k)).join(' + '));
  const matched = (e.params as { passingSchemas: number[] | null }).passingSchemas;
  const why = Array.isArray(matched)
    ? `sets ${matched.map((i) => choices[i]).join(' and ')}`
    : 'sets none of them or lacks a required field';
  const together = common.length === 0 ? '' : ` together with ${common.join(' and ')}`;
  return `must set exactly one of ${choices.join(', ')}${together}, but ${why}`;
}

/**
 * MAESTRO's rules on the weights (the CRD only says "number"): every weight is a percentage in
 * 0..100; `stepWeight` is > 0 (0 never advances: scheduler.go nextStepWeight); `stepWeights` are > 0
 * and strictly increasing (Flagger finds the next step by the current weight's position in the list).
 */
function weightProblems(canary: unknown): SchemaProblem[] {
  const analysis = (canary as { spec?: { analysis?: Record<string, unknown> } } | null)?.spec?.analysis;
  if (analysis === null || typeof analysis !== 'object') return [];
  const out: SchemaProblem[] = [];
  const base = ['spec', 'analysis'];
  const check = (at: FieldPath, value: unknown, positive: boolean) => {
    if (typeof value !== 'number') return; // the schema reports wrong types
    if (value < 0 || value > WEIGHT_MAX || (positive && value === 0)) {
      out.push(problem(at, `must be a percentage in ${positive ? '1' : '0'}..${WEIGHT_MAX}, got ${value}`));
    }
  };
  for (const key of ['maxWeight', 'stepWeightPromotion', 'mirrorWeight'])
    check([...base, key], analysis[key], false);
  check([...base, 'stepWeight'], analysis['stepWeight'], true);
  const steps = analysis['stepWeights'];
  if (Array.isArray(steps)) {
    steps.forEach((w, i) => {
      check([...base, 'stepWeights', i], w, true);
      const prev = steps[i - 1] as unknown;
      if (i > 0 && typeof w === 'number' && typeof prev === 'number' && w <= prev) {
        out.push(
          problem([...base, 'stepWeights', i], `must be greater than the step before it (${prev}), got ${w}`),
        );
      }
    });
  }
  return out;
}
