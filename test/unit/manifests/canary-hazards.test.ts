import { checkCanaryEditHazards, effectiveMaxWeight } from '../../../src/manifests';

test("effective maximum follows Flagger's scheduler: last stepWeights entry, else maxWeight > 0, else 100", () => {
  expect(effectiveMaxWeight({ stepWeight: 10, maxWeight: 50 })).toBe(50);
  expect(effectiveMaxWeight({ stepWeight: 10 })).toBe(100);
  expect(effectiveMaxWeight({ stepWeight: 10, maxWeight: 0 })).toBe(100);
  expect(effectiveMaxWeight({ stepWeights: [5, 20, 40], maxWeight: 80 })).toBe(40);
  expect(effectiveMaxWeight({ stepWeights: [5, 150] })).toBe(100);
});

describe('lowering the maximum to or below the current weight', () => {
  test('is a hazard while a release runs', () => {
    const hazards = checkCanaryEditHazards(
      { stepWeight: 10, maxWeight: 50 },
      { stepWeight: 10, maxWeight: 30 },
      30,
    );
    expect(hazards.map((h) => h.code)).toEqual(['PROMOTES_AT_CURRENT_WEIGHT']);
    expect(hazards[0]?.message).toContain('30%');
    expect(
      checkCanaryEditHazards({ stepWeights: [10, 20, 60] }, { stepWeights: [10, 20] }, 20).map((h) => h.code),
    ).toEqual(['PROMOTES_AT_CURRENT_WEIGHT']);
  });

  test('is fine when the new maximum stays above the current weight, or nothing runs', () => {
    expect(
      checkCanaryEditHazards({ stepWeight: 10, maxWeight: 50 }, { stepWeight: 10, maxWeight: 40 }, 30),
    ).toEqual([]);
    expect(
      checkCanaryEditHazards({ stepWeight: 10, maxWeight: 50 }, { stepWeight: 10, maxWeight: 10 }, 0),
    ).toEqual([]);
  });

  test('is not reported again when the old maximum was already reached', () => {
    expect(
      checkCanaryEditHazards({ stepWeight: 10, maxWeight: 30 }, { stepWeight: 10, maxWeight: 20 }, 30),
    ).toEqual([]);
  });
});

describe('a stepWeights list without the current weight', () => {
  test('is a hazard: the next step would jump to 100%', () => {
    const hazards = checkCanaryEditHazards(
      { stepWeights: [5, 10, 20, 50] },
      { stepWeights: [5, 15, 30, 50] },
      10,
    );
    expect(hazards.map((h) => h.code)).toEqual(['STEP_WEIGHTS_LACK_CURRENT']);
    expect(hazards[0]?.message).toContain('jump straight to 100%');
  });

  test('also when switching from stepWeight to stepWeights mid-run', () => {
    expect(
      checkCanaryEditHazards({ stepWeight: 10, maxWeight: 50 }, { stepWeights: [5, 25, 50] }, 20).map(
        (h) => h.code,
      ),
    ).toEqual(['STEP_WEIGHTS_LACK_CURRENT']);
  });

  test('is fine when the list keeps the current weight, or stepWeight takes precedence', () => {
    expect(
      checkCanaryEditHazards({ stepWeights: [5, 10, 50] }, { stepWeights: [5, 10, 30, 50] }, 10),
    ).toEqual([]);
    expect(checkCanaryEditHazards({ stepWeight: 10 }, { stepWeight: 10, stepWeights: [5, 50] }, 20)).toEqual(
      [],
    );
    expect(checkCanaryEditHazards({ stepWeights: [5, 10, 50] }, { stepWeights: [5, 30, 50] }, 0)).toEqual([]);
  });

  test('a list ending at or below the current weight promotes; a longer one without it jumps', () => {
    expect(
      checkCanaryEditHazards({ stepWeights: [10, 20, 50] }, { stepWeights: [5, 15] }, 20).map((h) => h.code),
    ).toEqual(['PROMOTES_AT_CURRENT_WEIGHT']);
    expect(
      checkCanaryEditHazards({ stepWeights: [10, 20, 50] }, { stepWeights: [5, 15, 40] }, 20).map(
        (h) => h.code,
      ),
    ).toEqual(['STEP_WEIGHTS_LACK_CURRENT']);
  });
});
