// A version counter bumped by every Messenger event, so views reload what they show.
import { useEffect, useState } from 'preact/hooks';
import type { ConnectionState, Messenger } from '@sotto/client';

export function useMessengerVersion(m: Messenger): { version: number; connection: ConnectionState } {
  const [version, setVersion] = useState(0);
  const [connection, setConnection] = useState<ConnectionState>(m.connection);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const offs = [
      m.on('message', bump),
      m.on('delivery', bump),
      m.on('identityChanged', bump),
      m.on('contactAdded', bump),
      m.on('queueEmpty', bump),
      m.on('connection', ({ state }) => setConnection(state)),
    ];
    return () => offs.forEach((off) => off());
  }, [m]);
  return { version, connection };
}
