/**
 * The example back end's data: made-up customers of Acme's bank and CRM, fixed so docs, scenarios and a newcomer's
 * first `ivr call` all agree. Card numbers are the industry's public test numbers (they pass the Luhn check).
 */

export interface Card {
  holder: string;
  pin: string;
  available: number;
  currency: string;
  /** how the bank behaves for this card: answers, hangs (never answers), fails (503), or the card is locked */
  behaviour?: "hang" | "fail" | "locked";
}

export const CARDS: Record<string, Card> = {
  "4111111111111111": { holder: "Wei Ling", pin: "4821", available: 1234.56, currency: "SGD" },
  "5555555555554444": { holder: "Arjun", pin: "4821", available: 88.1, currency: "SGD" },
  "2223003122003222": { holder: "Siti", pin: "0852", available: 15020, currency: "SGD" },
  "4242424242424242": { holder: "Tan", pin: "1357", available: 0, currency: "SGD", behaviour: "locked" },
  "4000000000000069": { holder: "Test", pin: "1111", available: 0, currency: "SGD", behaviour: "fail" },
  "4000000000000119": { holder: "Test", pin: "1111", available: 0, currency: "SGD", behaviour: "hang" },
};
/** Not in CARDS: the bank answers 404 (a valid number it does not know). */
export const UNKNOWN_CARD = "5105105105105100";

export interface Customer {
  firstName: string;
  tier: "priority" | "standard";
  accountNumber: string;
}

/** CRM customers by the number they call from (E.164). */
export const CUSTOMERS: Record<string, Customer> = {
  "+6591234567": { firstName: "Wei Ling", tier: "priority", accountNumber: "91234567" },
  "+6598765432": { firstName: "Arjun", tier: "standard", accountNumber: "12345678" },
};

/** The bearer token the example bank expects unless ACME_BANK_TOKEN says otherwise: a demo value, not a secret. */
export const DEMO_BANK_TOKEN = "acme-demo-token";
