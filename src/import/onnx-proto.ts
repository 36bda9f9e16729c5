// Decoding an ONNX file (a protobuf ModelProto) with protobufjs. Only the messages and fields memsig reads are
// declared, with the field numbers of the ONNX specification (onnx/onnx.proto); protobuf skips the rest.

import protobuf from 'protobufjs';
import { UserError } from '../core/errors.js';

const SCHEMA = `
syntax = "proto3";
package onnx;
message StringStringEntryProto { string key = 1; string value = 2; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int32 int32_data = 5;
  repeated int64 int64_data = 7;
  string name = 8;
  bytes raw_data = 9;
  repeated double double_data = 10;
  repeated StringStringEntryProto external_data = 13;
  int32 data_location = 14;
}
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  int32 type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string domain = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
}
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  string producer_version = 3;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

export interface OnnxTensor {
  dims: number[];
  data_type: number;
  float_data: number[];
  int32_data: number[];
  int64_data: number[];
  name: string;
  raw_data: Uint8Array;
  double_data: number[];
  data_location: number;
}

export interface OnnxAttribute {
  name: string;
  f: number;
  i: number;
  s: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: OnnxAttribute[];
  domain: string;
}

export interface OnnxModel {
  producer_name: string;
  producer_version: string;
  graph?: { node: OnnxNode[]; name: string; initializer: OnnxTensor[] };
  metadata_props: { key: string; value: string }[];
}

let modelType: protobuf.Type | undefined;

/** The ModelProto in `bytes`, with int64 fields as numbers and every repeated field present. */
export function decodeOnnxModel(bytes: Uint8Array, label: string): OnnxModel {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  let message: protobuf.Message;
  try {
    message = modelType.decode(bytes);
  } catch (err) {
    throw new UserError(`${label}: not an ONNX model (${(err as Error).message})`);
  }
  return modelType.toObject(message, { longs: Number, bytes: Uint8Array, arrays: true, defaults: true }) as OnnxModel;
}
