// The server's version, reported by the API, the live feed and the state file.
export const SERVER_VERSION = '0.1.0';
