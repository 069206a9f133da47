/** The policies behind `Policy.decide`: the rule baselines and the registry that maps refs to them. */
export * from './hpa';
export * from './flagger/flagger-policy';
export * from './judge/judge';
export * from './judge/mann-whitney';
export * from './judge/judge-policy';
export * from './canary-schedule';
export * from './policy-registry';
