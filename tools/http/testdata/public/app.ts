export const KEY = "secret";
