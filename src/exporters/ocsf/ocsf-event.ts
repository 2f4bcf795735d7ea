// The shape of what the OCSF mapping writes: plain JSON objects (an absent attribute is
// undefined, which JSON and the Parquet encoder both leave out), with the base fields typed.

export type OcsfValue = string | number | boolean | OcsfObject | readonly OcsfValue[] | undefined;

export interface OcsfObject {
  [attribute: string]: OcsfValue;
}

export interface OcsfEvent extends OcsfObject {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  /** Milliseconds since the Unix epoch (OCSF timestamp_t). */
  time: number;
  metadata: OcsfObject;
}
