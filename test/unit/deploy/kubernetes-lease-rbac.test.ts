import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../src/config/load-config';
import { FLUX_DIR, get, readObjects } from './deploy-fixtures';

/**
 * flux/agent's RBAC for `ha.elector: kubernetes`: exactly the Lease verbs the elector uses
 * (client-go's LeaseLock: Get, Create, Update — GET, POST, PUT on
 * /apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]), on the Lease maestro.yaml names,
 * bound to the agent's ServiceAccount in its namespace.
 */
const objects = readObjects(join(FLUX_DIR, 'agent', 'role.yaml')).concat(
  readObjects(join(FLUX_DIR, 'agent', 'rolebinding.yaml')),
);
const role = objects.find((o) => o.kind === 'Role');
const binding = objects.find((o) => o.kind === 'RoleBinding');

/** maestro.yaml with its commented-out `ha:` block switched on, as the deployment comment says */
function haConfig() {
  const text = readFileSync(join(FLUX_DIR, 'agent', 'maestro.yaml'), 'utf8');
  const on = text.replace(/^# (ha:\n(?:# {2}.*\n)+)/m, (block: string) => block.replace(/^# /gm, ''));
  expect(on).not.toBe(text);
  const r = parseConfigText(on, 'flux/agent/maestro.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

describe('flux/agent Lease RBAC', () => {
  it('grants create on leases, and get/update on the one Lease only', () => {
    expect(get(role, 'metadata')).toEqual({ name: 'maestro-leader-election', namespace: 'maestro-system' });
    expect(get(role, 'rules')).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['maestro-leader'],
        verbs: ['get', 'update'],
      },
    ]);
  });

  it('names the Lease the documented ha block elects on, in the agent namespace', () => {
    const config = haConfig();
    expect(config.ha).toEqual(expect.objectContaining({ enabled: true, elector: 'kubernetes' }));
    expect(get(role, 'rules.1.resourceNames')).toEqual([config.ha.kubernetes.name]);
    // no namespace in the config: the pod's own (maestro-system), where the Role is
    expect(config.ha.kubernetes.namespace).toBeUndefined();
  });

  it("binds the Role to the agent's ServiceAccount", () => {
    expect(get(binding, 'metadata.namespace')).toBe('maestro-system');
    expect(get(binding, 'roleRef')).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'maestro-leader-election',
    });
    expect(get(binding, 'subjects')).toEqual([
      { kind: 'ServiceAccount', name: 'maestro', namespace: 'maestro-system' },
    ]);
    const sa = readObjects(join(FLUX_DIR, 'agent', 'serviceaccount.yaml'))[0];
    expect(sa?.metadata).toEqual(expect.objectContaining({ name: 'maestro', namespace: 'maestro-system' }));
  });
});
