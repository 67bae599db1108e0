/**
 * The one way the records are written down: each builder gives a field's
 * Avro type and the two zod schemas derived from it, so the Avro schemas,
 * the TypeScript types and the parsers cannot drift apart.
 *
 * - `write`: what a writer produces now (the processor's records, their types).
 * - `read`: what a reader accepts, the records of every earlier schema version
 *   included: a field with an Avro default may be absent (records written
 *   before it), and is then null, or [] for a list.
 *
 * Avro conventions: counts are `long` (integers only, as avsc checks), sums
 * and statistics `double`; a number that may be missing is `["null", "double"]`
 * with default null; enumerations are strings with their values in `doc`
 * (a string can take a new value without a schema change; an Avro enum
 * cannot); timestamps are epoch ms, `long` with logicalType timestamp-millis.
 */
import { z } from 'zod';
import { ResultsContractError } from './errors';

/** An Avro schema as JSON, as far as these schemas use it. */
export type AvroSchema = string | AvroNamedType | AvroArrayType | AvroLogicalType | Array<string | AvroNamedType | AvroLogicalType>;
export interface AvroField {
  name: string;
  type: AvroSchema;
  doc?: string;
  default?: unknown;
}
export interface AvroNamedType {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}
export interface AvroArrayType {
  type: 'array';
  items: AvroSchema;
}
export interface AvroLogicalType {
  type: 'long';
  logicalType: 'timestamp-millis';
}

/** A field's type in its three forms, with the field's doc and Avro default. */
export interface Shape<W extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  avro: AvroSchema;
  doc?: string;
  /** Present when the field has an Avro default (`{ value }`, since the default may be null). */
  avroDefault?: { value: unknown };
  write: W;
  read: R;
}

/** A scalar shape whose writers and readers agree. */
const scalar = <T extends z.ZodType>(avro: AvroSchema, schema: T, doc?: string): Shape<T, T> => ({ avro, ...(doc === undefined ? {} : { doc }), write: schema, read: schema });

const TIMESTAMP: AvroLogicalType = { type: 'long', logicalType: 'timestamp-millis' };

export const string = (doc?: string) => scalar('string', z.string(), doc);
/** A key field: never empty. */
export const id = (doc?: string) => scalar('string', z.string().min(1), doc);
export const long = (doc?: string) => scalar('long', z.number().int(), doc);
export const count = (doc?: string) => scalar('long', z.number().int().nonnegative(), doc);
export const double = (doc?: string) => scalar('double', z.number(), doc);
export const boolean = (doc?: string) => scalar('boolean', z.boolean(), doc);
export const timestamp = (doc?: string) => scalar(TIMESTAMP, z.number().int(), doc);
/** An enumeration: an Avro string whose doc lists the values (then `note`); the parsers accept these values only. */
export const oneOf = <const V extends readonly [string, ...string[]]>(values: V, note?: string) => scalar('string', z.enum(values), note === undefined ? values.join(' | ') : `${values.join(' | ')}; ${note}`);

/** The same shape with the field's doc set (for records and lists, whose own doc is the type's). */
export const about = <S extends Shape>(shape: S, doc: string): S => ({ ...shape, doc });

export function arrayOf<W extends z.ZodType, R extends z.ZodType>(items: Shape<W, R>) {
  const avro: AvroArrayType = { type: 'array', items: items.avro };
  return { avro, write: z.array(items.write), read: z.array(items.read) };
}

/** A field that may be null, null by default (and when absent). */
export function nullable<W extends z.ZodType, R extends z.ZodType>(shape: Shape<W, R>) {
  return { ...unionWithNull(shape), avroDefault: { value: null }, write: shape.write.nullable(), read: shape.read.nullish().transform((value) => value ?? null) };
}

/**
 * A field added after version 1 of a schema: Avro readers of older records
 * get `avroDefault` (null makes the type a union with null); the parser reads
 * its absence as `absent`, which a view can tell from a written value.
 */
export function added<W extends z.ZodType, R extends z.ZodType, const A>(shape: Shape<W, R>, avroDefault: unknown, absent: A) {
  const avro = avroDefault === null ? unionWithNull(shape) : shape;
  return { ...avro, avroDefault: { value: avroDefault }, write: shape.write, read: shape.read.nullish().transform((value): NonNullable<z.output<R>> | A => value ?? absent) };
}

/** A field present since version 1 that still has an Avro default: the parsers require it. */
export const withDefault = <S extends Shape>(shape: S, value: unknown): S => ({ ...shape, avroDefault: { value } });

function unionWithNull(shape: Shape): Shape {
  if (typeof shape.avro === 'object' && (Array.isArray(shape.avro) || shape.avro.type === 'array')) throw new ResultsContractError('a nullable field must be a string, a number or a record: a list is never null, it is empty');
  return { ...shape, avro: ['null', shape.avro] };
}

type Fields = Record<string, Shape>;
type WriteShape<F extends Fields> = { [K in keyof F]: F[K]['write'] };
type ReadShape<F extends Fields> = { [K in keyof F]: F[K]['read'] };

export interface RecordShape<F extends Fields> extends Shape<z.ZodObject<WriteShape<F>>, z.ZodObject<ReadShape<F>>> {
  avro: AvroNamedType;
}

function avroFields(fields: Fields): AvroField[] {
  return Object.entries(fields).map(([name, shape]) => ({
    name,
    type: shape.avro,
    ...(shape.doc === undefined ? {} : { doc: shape.doc }),
    ...(shape.avroDefault === undefined ? {} : { default: shape.avroDefault.value }),
  }));
}

/** A record; the order of `fields` is the Avro field order. `header` puts namespace and doc before the fields. */
export function record<F extends Fields>(name: string, fields: F, header: { namespace?: string; doc?: string } = {}): RecordShape<F> {
  const pick = <K extends 'write' | 'read'>(form: K) => Object.fromEntries(Object.entries(fields).map(([key, shape]) => [key, shape[form]]));
  return {
    avro: { type: 'record', name, ...header, fields: avroFields(fields) },
    // fromEntries loses the key types that the mapped types restore: same keys, same forms.
    write: z.object(pick('write') as WriteShape<F>),
    read: z.object(pick('read') as ReadShape<F>),
  };
}

/** A record type defined earlier in the same schema, referred to by its name (Avro defines a name once). */
export const named = <S extends RecordShape<Fields>>(shape: S): Shape<S['write'], S['read']> => ({ avro: shape.avro.name, write: shape.write, read: shape.read });
