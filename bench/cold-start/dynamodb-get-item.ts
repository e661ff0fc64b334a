/**
 * The cold-start floor (bench/cold-start.ts): the least a DynamoDB-backed Lambda can load, one client and one
 * GetItem command, bundled with the same options as the callflow functions.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({});

export const handler = async (event: { sessionId: string }) =>
  client.send(new GetItemCommand({ TableName: "callflow-sessions", Key: { sessionId: { S: event.sessionId } } }));
