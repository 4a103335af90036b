import { existsSync } from 'node:fs';

/**
 * Whether a Docker engine looks reachable for Testcontainers: DOCKER_HOST is set or the default socket
 * exists. A cheap check, no connection is made; callers fall through when Testcontainers still fails.
 */
export function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}
