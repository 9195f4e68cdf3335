<?php
$ch = curl_init('https://api.pixapi.ai/v1/images/generations');
curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
curl_setopt($ch, CURLOPT_HTTPHEADER, ['Authorization: Bearer ' . getenv('PIXAPI_KEY')]);
curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode(['model' => 'nano-banana', 'prompt' => 'A tiny succulent in a teacup']));
$res = json_decode(curl_exec($ch), true);
echo $res['data'][0]['url'];
