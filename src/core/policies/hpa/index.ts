/**
 * The Kubernetes HPA, reproduced: the replica calculator (replica_calculator.go), the controller's
 * normalisation step (horizontal.go) and the `hpa` policy built on them.
 */
export * from './replica-calculator';
export * from './controller';
export * from './hpa-policy';
