// The OCSF release ebpipe writes and the ids it uses from it: classes, their categories, and the
// enumerations every event carries. Checked against the compiled schema (testdata/ocsf-schema.json,
// from the OCSF project's repository and compiler: scripts/ocsf/schema.sh) by ocsf-mapper.test.ts.

/** schema.ocsf.io/1.8.0: the newest release of the OCSF schema when this mapping was written. */
export const OCSF_VERSION = '1.8.0';

export interface OcsfClass {
  readonly name: string;
  readonly uid: number;
  readonly caption: string;
  readonly categoryUid: number;
  readonly categoryName: string;
}

function ocsfClass(name: string, uid: number, caption: string, categoryName: string): OcsfClass {
  return { name, uid, caption, categoryUid: Math.floor(uid / 1000), categoryName };
}

export const BASE_EVENT = ocsfClass('base_event', 0, 'Base Event', 'Uncategorized');
export const PROCESS_ACTIVITY = ocsfClass('process_activity', 1007, 'Process Activity', 'System Activity');
export const FILE_ACTIVITY = ocsfClass('file_activity', 1001, 'File System Activity', 'System Activity');
export const KERNEL_EXTENSION_ACTIVITY = ocsfClass(
  'kernel_extension_activity',
  1002,
  'Kernel Extension Activity',
  'System Activity',
);
export const NETWORK_ACTIVITY = ocsfClass('network_activity', 4001, 'Network Activity', 'Network Activity');
export const DETECTION_FINDING = ocsfClass('detection_finding', 2004, 'Detection Finding', 'Findings');

export const OCSF_CLASSES: readonly OcsfClass[] = [
  PROCESS_ACTIVITY,
  FILE_ACTIVITY,
  KERNEL_EXTENSION_ACTIVITY,
  NETWORK_ACTIVITY,
  DETECTION_FINDING,
  BASE_EVENT,
];

/** An activity of a class: its activity_id and activity_name. */
export type Activity = readonly [id: number, name: string];

export const OTHER: Activity = [99, 'Other'];

/** OCSF severity_id from the record's OpenTelemetry severity number. */
export function severityOf(severityNumber: number): Activity {
  if (severityNumber >= 21) return [5, 'Critical'];
  if (severityNumber >= 17) return [4, 'High'];
  if (severityNumber >= 13) return [3, 'Medium'];
  return [1, 'Informational'];
}

/** status_id of an event whose outcome is known. */
export const SUCCESS: Activity = [1, 'Success'];
export const FAILURE: Activity = [2, 'Failure'];
