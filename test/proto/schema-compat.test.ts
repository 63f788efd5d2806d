// Weft's .proto subset declares the same messages, enums and services as Envoy's v3 API, by the
// same names; these tests hold every declaration to Envoy's, so that Envoy and other xDS clients
// read what Weft sends exactly as Weft meant it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clone, createFileRegistry, type DescEnum, type DescMessage, type DescService } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { descriptors, messageDescriptor, messageTypeNames } from "../../proto/registry.js";
import { isMirrored, loadEnvoyRoot } from "./envoy-definitions.js";
import { compareEnum, compareMessage, compareService, formatMismatches, type SchemaMismatch } from "./schema-compat.js";

const envoy = loadEnvoyRoot();

/** Every message Weft mirrors; the well-known types and Weft's own API have no Envoy reference. */
function weftMessages(): DescMessage[] {
  return messageTypeNames()
    .filter(isMirrored)
    .map((name) => messageDescriptor(name))
    .filter((message) => message !== undefined);
}

/** Enums declared in Weft's files, and every enum a Weft message's field refers to. */
function weftEnums(): DescEnum[] {
  const enums = new Map<string, DescEnum>();
  for (const file of descriptors().files) {
    if (!isMirrored(`${file.proto.package}.`)) continue;
    for (const declared of file.enums) enums.set(declared.typeName, declared);
  }
  for (const message of weftMessages()) {
    for (const nested of message.nestedEnums) enums.set(nested.typeName, nested);
    for (const field of message.fields) if (field.enum) enums.set(field.enum.typeName, field.enum);
  }
  return [...enums.values()];
}

function weftServices(): DescService[] {
  return [...descriptors().files].flatMap((file) => file.services).filter((service) => isMirrored(service.typeName));
}

/**
 * Methods the reference definitions have and Weft leaves out. Weft serves xDS over streams (state-of-the-world and
 * delta); the unary Fetch* methods, Envoy's polling alternative, are not part of the subset.
 */
const omittedMethods: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["envoy.service.listener.v3.ListenerDiscoveryService", new Set(["FetchListeners"])],
  ["envoy.service.route.v3.RouteDiscoveryService", new Set(["FetchRoutes"])],
  ["envoy.service.cluster.v3.ClusterDiscoveryService", new Set(["FetchClusters"])],
  ["envoy.service.endpoint.v3.EndpointDiscoveryService", new Set(["FetchEndpoints"])],
  ["envoy.service.secret.v3.SecretDiscoveryService", new Set(["FetchSecrets"])],
  // grpc-health-check implements Check and Watch; List is newer than it.
  ["grpc.health.v1.Health", new Set(["List"])],
]);

/** The services an xDS client calls; each must be in Weft's subset for the checks to mean anything. */
const discoveryServices = [
  "envoy.service.discovery.v3.AggregatedDiscoveryService",
  "envoy.service.listener.v3.ListenerDiscoveryService",
  "envoy.service.route.v3.RouteDiscoveryService",
  "envoy.service.cluster.v3.ClusterDiscoveryService",
  "envoy.service.endpoint.v3.EndpointDiscoveryService",
  "envoy.service.status.v3.ClientStatusDiscoveryService",
];

function assertNoMismatches(mismatches: readonly SchemaMismatch[]): void {
  assert.equal(mismatches.length, 0, `${mismatches.length} differences from Envoy:\n${formatMismatches(mismatches)}`);
}

describe("Weft's protobuf subset against Envoy's v3 API", () => {
  test("every Weft message matches Envoy's field numbers, names and types", () => {
    const messages = weftMessages();
    assert.ok(messages.length > 100, `only ${messages.length} Weft messages found`);
    assertNoMismatches(messages.flatMap((message) => compareMessage(message, envoy)));
  });

  test("every value of every Weft enum has the same name and number in Envoy's enum", () => {
    const enums = weftEnums();
    assert.ok(enums.length > 20, `only ${enums.length} Weft enums found`);
    assertNoMismatches(enums.flatMap((enumeration) => compareEnum(enumeration, envoy)));
  });

  test("Weft's discovery services have Envoy's methods, message types and streaming", () => {
    const services = weftServices();
    assert.deepEqual(
      discoveryServices.filter((name) => !services.some((service) => service.typeName === name)),
      [],
      "discovery services missing from the subset",
    );
    assertNoMismatches(
      services.flatMap((service) => compareService(service, envoy, omittedMethods.get(service.typeName) ?? new Set())),
    );
  });
});

/** Weft's descriptor for `typeName` after `edit` changes a copy of its DescriptorProto. */
function editedMessage(typeName: string, edit: (message: DescriptorProto) => void): DescMessage {
  const original = messageDescriptor(typeName);
  assert.ok(original, `Weft does not define ${typeName}`);
  const file = clone(FileDescriptorProtoSchema, original.file.proto);
  const path: string[] = [];
  for (let m: DescMessage | undefined = original; m; m = m.parent) path.unshift(m.name);
  let proto: DescriptorProto | undefined;
  for (const name of path) proto = (proto?.nestedType ?? file.messageType).find((m) => m.name === name);
  assert.ok(proto, `${typeName} not found in its file`);
  edit(proto);
  const edited = createFileRegistry(file, (name) => descriptors().getFile(name)).getMessage(typeName);
  assert.ok(edited);
  return edited;
}

function fieldProto(message: DescriptorProto, name: string) {
  const field = message.field.find((f) => f.name === name);
  assert.ok(field, `no field ${name} in ${message.name}`);
  return field;
}

/** The where/aspect pairs of a comparison's mismatches, the part a test can rely on. */
function reported(mismatches: readonly SchemaMismatch[]): string[] {
  return mismatches.map((m) => `${m.where} ${m.aspect}`).sort();
}

describe("the schema comparison itself", () => {
  const fieldEdits: { change: string; typeName: string; edit: (m: DescriptorProto) => void; expect: string[] }[] = [
    {
      change: "a field renumbered",
      typeName: "envoy.type.v3.Percent",
      edit: (m) => {
        fieldProto(m, "value").number = 7;
      },
      expect: ["envoy.type.v3.Percent.value missing"],
    },
    {
      change: "a field renamed",
      typeName: "envoy.type.v3.Int64Range",
      edit: (m) => {
        const field = fieldProto(m, "start");
        field.name = "begin";
        field.jsonName = "begin";
      },
      expect: ["envoy.type.v3.Int64Range.begin json name", "envoy.type.v3.Int64Range.begin name"],
    },
    {
      change: "a field given another scalar type",
      typeName: "envoy.type.v3.Int64Range",
      edit: (m) => {
        fieldProto(m, "start").type = FieldDescriptorProto_Type.SINT64;
      },
      expect: ["envoy.type.v3.Int64Range.start type"],
    },
    {
      change: "a field given another message type",
      typeName: "envoy.config.cluster.v3.Cluster",
      edit: (m) => {
        fieldProto(m, "eds_cluster_config").typeName = ".envoy.config.cluster.v3.Cluster.RefreshRate";
      },
      expect: ["envoy.config.cluster.v3.Cluster.eds_cluster_config type"],
    },
    {
      change: "a singular field made repeated",
      typeName: "envoy.type.v3.Int64Range",
      edit: (m) => {
        fieldProto(m, "end").label = FieldDescriptorProto_Label.REPEATED;
      },
      expect: ["envoy.type.v3.Int64Range.end cardinality", "envoy.type.v3.Int64Range.end packing"],
    },
    {
      change: "a field moved into a oneof",
      typeName: "envoy.config.cluster.v3.Cluster",
      edit: (m) => {
        fieldProto(m, "name").oneofIndex = 0;
      },
      expect: ["envoy.config.cluster.v3.Cluster.name oneof"],
    },
  ];

  for (const { change, typeName, edit, expect } of fieldEdits) {
    test(`reports ${change}, naming the message and field`, () => {
      assert.deepEqual(reported(compareMessage(editedMessage(typeName, edit), envoy)), expect);
    });
  }

  test("reports an enum value with another number than Envoy's", () => {
    const cluster = editedMessage("envoy.config.cluster.v3.Cluster", (m) => {
      const value = m.enumType.find((e) => e.name === "LbPolicy")?.value.find((v) => v.name === "MAGLEV");
      assert.ok(value);
      value.number = 4;
    });
    const lbPolicy = cluster.nestedEnums.find((e) => e.name === "LbPolicy");
    assert.ok(lbPolicy);
    assert.deepEqual(reported(compareEnum(lbPolicy, envoy)), [
      "envoy.config.cluster.v3.Cluster.LbPolicy.MAGLEV number",
    ]);
  });

  test("reports a method whose streaming differs from Envoy's", () => {
    const ads = descriptors().getService("envoy.service.discovery.v3.AggregatedDiscoveryService");
    assert.ok(ads);
    const file = clone(FileDescriptorProtoSchema, ads.file.proto);
    const method = file.service[0]?.method.find((m) => m.name === "StreamAggregatedResources");
    assert.ok(method);
    method.serverStreaming = false;
    const edited = createFileRegistry(file, (name) => descriptors().getFile(name)).getService(ads.typeName);
    assert.ok(edited);
    assert.deepEqual(reported(compareService(edited, envoy, new Set())), [
      "envoy.service.discovery.v3.AggregatedDiscoveryService.StreamAggregatedResources streaming",
    ]);
  });

  test("reports an Envoy method Weft neither serves nor lists as omitted", () => {
    const lds = descriptors().getService("envoy.service.listener.v3.ListenerDiscoveryService");
    assert.ok(lds);
    assert.deepEqual(reported(compareService(lds, envoy, new Set())), [
      "envoy.service.listener.v3.ListenerDiscoveryService.FetchListeners not served",
    ]);
  });
});
