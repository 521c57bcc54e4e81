// What a user does in the web client, as Playwright steps. Every wait is on a condition.
import type { Page } from 'playwright-core';
import { WAIT_MS } from './browser.js';

export async function createAccount(
  page: Page,
  url: string,
  username: string,
  passphrase: string,
): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByTestId('setup-screen').waitFor();
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=passphrase]').fill(passphrase);
  await page.locator('input[name=passphrase2]').fill(passphrase);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('main-screen').waitFor({ timeout: WAIT_MS });
}

export async function nav(page: Page, label: 'Chats' | 'My address' | 'Settings'): Promise<void> {
  await page.getByRole('button', { name: label, exact: true }).click();
}

export async function myAddress(page: Page): Promise<string> {
  await nav(page, 'My address');
  return page.getByTestId('my-address').inputValue();
}

export async function addContact(page: Page, name: string, target: string): Promise<void> {
  await nav(page, 'Chats');
  await page.locator('input[name=contact-name]').fill(name);
  await page.locator('textarea[name=contact-address]').fill(target);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByTestId('conversation-view').waitFor();
}

export async function openConversation(page: Page, name: string): Promise<void> {
  await nav(page, 'Chats');
  await page.getByTestId(`conv-${name}`).click();
  await page.getByTestId('conversation-view').waitFor();
}

export async function sendText(page: Page, text: string): Promise<void> {
  await page.locator('[name=message]').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  // send() resolved (persisted, in history) once the composer is cleared.
  await page.waitForFunction(
    () => document.querySelector<HTMLTextAreaElement>('[name=message]')?.value === '',
  );
}

export async function messageShown(page: Page, text: string): Promise<void> {
  await page.getByTestId('message').filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

export async function safetyDigits(page: Page, contact: string): Promise<string> {
  await openConversation(page, contact);
  await page.getByTestId('open-safety').click();
  const digits = page.getByTestId('safety-digits');
  await digits.waitFor();
  return (await digits.getAttribute('data-digits')) ?? '';
}

export async function unlock(page: Page, passphrase: string): Promise<void> {
  await page.getByTestId('unlock-screen').waitFor();
  await page.locator('input[name=passphrase]').fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
}
