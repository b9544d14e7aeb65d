/** Where the workstation keeps its data: $POSTURE_STAGE_HOME, else the OS's per-user data folder (interfaces.md `library`). */
import envPaths from 'env-paths';

export function dataHome(): string {
  return process.env.POSTURE_STAGE_HOME || envPaths('posture-stage', { suffix: '' }).data;
}
