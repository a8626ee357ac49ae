import 'backchannel-chat/styles.css'
import './host.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { HostApp } from './host-app.tsx'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <HostApp />
  </StrictMode>,
)
